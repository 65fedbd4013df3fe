/**
 * RFC 6750 Bearer authentication for the GraphQL endpoints: a missing, bad, expired or revoked token is HTTP 401
 * before any GraphQL runs. A browser GET without a query is sent to GraphiQL instead.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../context.ts';
import type { TokenService } from '../auth/token-service.ts';

const REALM = 'Bearer realm="ordergraph"';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

function unauthorized(reply: FastifyReply, challenge: string, message: string): FastifyReply {
  return reply
    .code(401)
    .header('WWW-Authenticate', challenge)
    .send({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
}

/** `graphiqlPath`: where a browser GET without a query is sent; undefined when GraphiQL is off. */
export function bearerAuth(tokens: TokenService, graphiqlPath: string | undefined) {
  // The last header parsed, and its token: one client's requests carry the same header (and the token service
  // then recognises the very same string).
  let lastHeader = '';
  let lastToken = '';
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    if (
      graphiqlPath &&
      request.method === 'GET' &&
      !(request.query as Record<string, unknown> | undefined)?.query &&
      String(request.headers.accept ?? '').includes('text/html')
    ) {
      return reply.redirect(graphiqlPath);
    }
    const header = request.headers.authorization;
    if (!header) return unauthorized(reply, REALM, 'an access token is required (Authorization: Bearer <token>)');
    if (header !== lastHeader) {
      const m = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
      if (!m) return unauthorized(reply, `${REALM}, error="invalid_request"`, 'the Authorization header must be `Bearer <token>`');
      lastHeader = header;
      lastToken = m[1];
    }
    const verified = await tokens.verify(lastToken);
    if (!verified) {
      return unauthorized(
        reply,
        `${REALM}, error="invalid_token", error_description="the access token is invalid, expired or revoked"`,
        'the access token is invalid, expired or revoked',
      );
    }
    request.actor = verified.actor;
    return undefined;
  };
}
