/**
 * RFC 6750 Bearer authentication for the GraphQL endpoints: a missing, bad, expired or revoked token is HTTP 401
 * before any GraphQL runs. A browser GET without a query is sent to GraphiQL instead.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
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

/**
 * `graphiqlPath`: where a browser GET without a query is sent; undefined when GraphiQL is off. A callback hook:
 * a token seen before is answered without a promise (most requests), a new one waits for its signature check.
 */
export function bearerAuth(tokens: TokenService, graphiqlPath: string | undefined) {
  // The last header parsed, and its token: one client's requests carry the same header (and the token service
  // then recognises the very same string).
  let lastHeader = '';
  let lastToken = '';
  const settle = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction, verified: Verified | undefined) => {
    if (!verified) {
      unauthorized(
        reply,
        `${REALM}, error="invalid_token", error_description="the access token is invalid, expired or revoked"`,
        'the access token is invalid, expired or revoked',
      );
      return; // answered: the request goes no further
    }
    request.actor = verified.actor;
    done();
  };
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (
      graphiqlPath &&
      request.method === 'GET' &&
      !(request.query as Record<string, unknown> | undefined)?.query &&
      String(request.headers.accept ?? '').includes('text/html')
    ) {
      reply.redirect(graphiqlPath);
      return;
    }
    const header = request.headers.authorization;
    if (!header) {
      unauthorized(reply, REALM, 'an access token is required (Authorization: Bearer <token>)');
      return;
    }
    if (header !== lastHeader) {
      const m = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
      if (!m) {
        unauthorized(reply, `${REALM}, error="invalid_request"`, 'the Authorization header must be `Bearer <token>`');
        return;
      }
      lastHeader = header;
      lastToken = m[1];
    }
    const known = tokens.known(lastToken);
    if (known !== undefined) settle(request, reply, done, known || undefined);
    else tokens.verify(lastToken).then((verified) => settle(request, reply, done, verified), done);
  };
}

type Verified = { actor: Actor };
