/**
 * The OAuth 2.0 endpoints: token (RFC 6749 §4.4, with aliases), revocation (RFC 7009), introspection
 * (RFC 7662), authorization server metadata (RFC 8414) and the JWKS.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/database.ts';
import { ClientAuthenticator, parseForm } from './client-authentication.ts';
import { DEFAULT_FAILURE_LIMITS, FailureLimiter } from './brute-force.ts';
import { clientFailureAlarms } from './auth-metrics.ts';
import { OAuthError } from './oauth-errors.ts';
import { parseScopes, SCOPES } from './scopes.ts';
import { AUDIENCE, type TokenService } from './token-service.ts';

export interface OAuthRoutesOptions {
  db: Db;
  tokens: TokenService;
  /** Fixed issuer, or undefined to use the URL the request came in on. */
  issuer: string | undefined;
}

const TOKEN_PATHS = ['/oauth/token', '/token', '/oauth2/token'];

export function issuerOf(request: FastifyRequest, fixed: string | undefined): string {
  return fixed ?? `${request.protocol}://${request.host}`;
}

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
}

function sendOAuthError(reply: FastifyReply, e: OAuthError): FastifyReply {
  noStore(reply).code(e.status).headers(e.headers);
  return reply.send({ error: e.error, error_description: e.description });
}

function formParams(request: FastifyRequest): Map<string, string> {
  const type = String(request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'the request body must be application/x-www-form-urlencoded');
  }
  return parseForm(typeof request.body === 'string' ? request.body : '');
}

export async function oauthRoutes(app: FastifyInstance, opts: OAuthRoutesOptions): Promise<void> {
  const limiter = new FailureLimiter(DEFAULT_FAILURE_LIMITS, (clientId, failures) => {
    clientFailureAlarms.inc();
    app.log.warn(
      { clientId, failures, windowSeconds: limiter.windowSeconds },
      'many failed authentications for one client from any address: someone may be guessing its secret',
    );
  });
  const authenticator = new ClientAuthenticator(opts.db.kysely, limiter);

  // Every body arrives as text (in this plugin's context only): we parse forms ourselves to refuse repeated
  // parameters, and any other content type (JSON, XML, none) must get an OAuth `invalid_request` from
  // `formParams`, not Fastify's generic 400/415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const clientOf = async (request: FastifyRequest, params: Map<string, string>) =>
    authenticator.authenticate({
      authorization: request.headers.authorization,
      params,
      query: (request.query ?? {}) as Record<string, unknown>,
      ip: request.ip,
    });

  const tokenHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const params = formParams(request);
      const grantType = params.get('grant_type');
      if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
      const { client } = await clientOf(request, params);
      if (grantType !== 'client_credentials') {
        throw new OAuthError('unsupported_grant_type', `grant_type \`${grantType}\` is not supported; use client_credentials`);
      }
      if (params.has('scope') && params.has('scopes')) {
        throw new OAuthError('invalid_request', 'send `scope` or `scopes`, not both');
      }
      const requested = parseScopes(params.get('scope') ?? params.get('scopes') ?? '');
      const notAllowed = requested.filter((s) => !client.scopes.includes(s));
      if (notAllowed.length) {
        throw new OAuthError('invalid_scope', `the client may not request: ${notAllowed.join(' ')}`);
      }
      const scopes = requested.length ? requested : client.scopes;
      const accessible = [client.organizationId, ...client.access];
      const narrowTo = params.get('organization_id');
      if (narrowTo !== undefined && !accessible.includes(narrowTo)) {
        throw new OAuthError('unauthorized_client', `the client may not act on organization ${narrowTo}`);
      }
      const { token, expiresIn } = await opts.tokens.issue({
        clientId: client.clientId,
        organizationId: client.organizationId,
        organizationIds: narrowTo !== undefined ? [narrowTo] : accessible,
        scopes,
        issuer: issuerOf(request, opts.issuer),
      });
      return noStore(reply).send({ access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: scopes.join(' ') });
    } catch (e) {
      if (e instanceof OAuthError) return sendOAuthError(reply, e);
      throw e;
    }
  };
  for (const path of TOKEN_PATHS) app.post(path, tokenHandler);

  app.post('/oauth/revoke', async (request, reply) => {
    try {
      const params = formParams(request);
      const { client } = await clientOf(request, params);
      const token = params.get('token');
      if (!token) throw new OAuthError('invalid_request', 'token is required');
      await opts.tokens.revoke(token, client.clientId);
      return noStore(reply).code(200).send({});
    } catch (e) {
      if (e instanceof OAuthError) return sendOAuthError(reply, e);
      throw e;
    }
  });

  app.post('/oauth/introspect', async (request, reply) => {
    try {
      const params = formParams(request);
      const { client } = await clientOf(request, params);
      const token = params.get('token');
      if (!token) throw new OAuthError('invalid_request', 'token is required');
      const claims = await opts.tokens.introspect(token);
      // Another organization's tokens are none of this client's business.
      if (!claims || claims.org !== client.organizationId) return noStore(reply).send({ active: false });
      return noStore(reply).send({
        active: true,
        scope: claims.scope,
        client_id: claims.client_id,
        sub: claims.sub,
        token_type: 'Bearer',
        exp: claims.exp,
        iat: claims.iat,
        iss: (claims as unknown as { iss: string }).iss,
        aud: AUDIENCE,
        jti: claims.jti,
        organization_ids: claims.orgs,
      });
    } catch (e) {
      if (e instanceof OAuthError) return sendOAuthError(reply, e);
      throw e;
    }
  });

  app.get('/.well-known/jwks.json', async (_request, reply) => {
    return reply.header('Cache-Control', 'public, max-age=60').send(opts.tokens.jwks());
  });

  app.get('/.well-known/oauth-authorization-server', async (request) => {
    const issuer = issuerOf(request, opts.issuer);
    const methods = ['client_secret_basic', 'client_secret_post'];
    return {
      issuer,
      token_endpoint: `${issuer}/oauth/token`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      grant_types_supported: ['client_credentials'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: methods,
      revocation_endpoint_auth_methods_supported: methods,
      introspection_endpoint_auth_methods_supported: methods,
      scopes_supported: [...SCOPES],
    };
  });
}
