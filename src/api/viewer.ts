/** `viewer`, shared by both dialects: who the token belongs to. */
import { DomainError } from '../errors/domain-error.ts';
import type { GraphQLContext } from './graphql-context.ts';

export function viewer(_parent: unknown, _args: unknown, { ctx }: GraphQLContext) {
  const actor = ctx.actor;
  if (!actor) throw new DomainError('UNAUTHENTICATED', 'a valid access token is required');
  return {
    clientId: actor.clientId,
    organizationId: actor.organizationId,
    organizationIds: [...actor.organizationIds],
    scopes: [...actor.scopes],
  };
}
