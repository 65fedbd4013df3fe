/**
 * `GET /oauth2/me` (HappyColis): who the bearer token is — its client, organization, the organizations it may act
 * on and its scopes, the same fields as GraphQL's `viewer`. A missing or bad token is 401 as on the GraphQL
 * endpoints.
 */
import type { FastifyInstance } from 'fastify';
import type { Actor } from '../context.ts';
import { bearerAuth } from '../http/bearer-auth.ts';
import type { TokenService } from './token-service.ts';

export interface ActorView {
  clientId: string;
  organizationId: string;
  organizationIds: string[];
  scopes: string[];
}

/** The token's identity as `viewer` and `/oauth2/me` give it. */
export function actorView(actor: Actor): ActorView {
  return {
    clientId: actor.clientId,
    organizationId: actor.organizationId,
    organizationIds: [...actor.organizationIds],
    scopes: [...actor.scopes],
  };
}

export async function meRoute(app: FastifyInstance, opts: { tokens: TokenService }): Promise<void> {
  const auth = bearerAuth(opts.tokens, undefined);
  app.get('/oauth2/me', { preHandler: auth }, async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    return actorView(request.actor!);
  });
}
