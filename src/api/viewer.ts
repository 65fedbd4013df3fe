/** `viewer`, shared by both dialects: who the token belongs to (the same view as `GET /oauth2/me`). */
import { DomainError } from '../errors/domain-error.ts';
import { actorView } from '../auth/me-route.ts';
import type { GraphQLContext } from './graphql-context.ts';

export function viewer(_parent: unknown, _args: unknown, { ctx }: GraphQLContext) {
  const actor = ctx.actor;
  if (!actor) throw new DomainError('UNAUTHENTICATED', 'a valid access token is required');
  return actorView(actor);
}
