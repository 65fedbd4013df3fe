/**
 * `GET /dashboard/graphiql-token`: an access token for the person signed in to the dashboard, so that GraphiQL
 * (page.js) can fill in its `Authorization` header. Under /dashboard because the session cookie is scoped there.
 * The token acts as the dashboard does for that person (their organization, the organizations its clients may
 * access, their role's scopes), lives at most 15 minutes, and stops working when the person is disabled.
 * Without a live session the answer is `{"signedIn": false}`: the page then keeps its token field.
 *
 * A GET that hands out a token is safe from other sites: the cookie is SameSite=Lax (not sent on their fetches),
 * and without CORS headers no other origin can read the answer.
 */
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../context.ts';
import type { TokenService } from '../auth/token-service.ts';
import { issuerOf } from '../auth/oauth-routes.ts';
import { SESSION_COOKIE } from '../dashboard/session-guard.ts';
import { findLiveSession, type SessionPolicy } from '../users/sessions.ts';
import { actorForSession } from '../users/user-actor.ts';

export const GRAPHIQL_TOKEN_PATH = '/dashboard/graphiql-token';
const GRAPHIQL_TOKEN_TTL_SECONDS = 15 * 60;

export async function graphiqlTokenRoute(
  app: FastifyInstance,
  opts: { services: Services; tokens: TokenService; policy: SessionPolicy; issuer: string | undefined },
): Promise<void> {
  await app.register(cookie);
  app.get(GRAPHIQL_TOKEN_PATH, async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    const value = request.cookies[SESSION_COOKIE];
    const session = value ? await findLiveSession(opts.services.db.kysely, value, opts.policy) : undefined;
    if (!session) return { signedIn: false };
    const actor = await actorForSession(opts.services.db.kysely, session);
    const { token, expiresIn } = await opts.tokens.issue({
      clientId: actor.clientId,
      organizationId: actor.organizationId,
      organizationIds: [...actor.organizationIds],
      scopes: [...actor.scopes],
      issuer: issuerOf(request, opts.issuer),
      ttlSeconds: GRAPHIQL_TOKEN_TTL_SECONDS,
    });
    return {
      signedIn: true,
      email: session.user.email,
      organization: session.organization.name,
      scopes: [...actor.scopes],
      access_token: token,
      expires_in: expiresIn,
    };
  });
}
