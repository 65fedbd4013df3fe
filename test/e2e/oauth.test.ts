/**
 * The OAuth 2.0 token endpoint (SPEC §3, §7), end to end over real HTTP on the database TEST_DB names: with a
 * standard client library and by hand, every RFC 6749 §5.2 error, Basic encoding and brute-force protection.
 * Using the tokens (revocation, Bearer errors, introspection, keys) is in oauth-tokens.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import type { TestServer } from '../support/test-server.ts';
import { basicAuthorization, createClient, formEncode, getToken, getTokenResponse, oauthPost, type OAuthClient, type Organization } from '../support/oauth.ts';
import { assertOAuthError, BASIC_CHALLENGE, MERCHANT_SCOPES, startOAuthFixture } from '../support/oauth-fixture.ts';
import { viewer } from '../support/graphql.ts';
import { tokenClaims, tokenHeader } from '../support/jwt.ts';
import { openDirectDb } from '../support/direct-db.ts';

describe('OAuth 2.0 token endpoint (client credentials)', () => {
  let server: TestServer;
  let orgA: Organization;
  let orgB: Organization;
  let client: OAuthClient;

  before(async () => {
    ({ server, orgA, orgB, client } = await startOAuthFixture());
  });
  after(() => server?.stop());

  describe('with a standard client (oauth4webapi)', () => {
    const insecure = { [oauth.allowInsecureRequests]: true } as const;
    let as: oauth.AuthorizationServer;

    before(async () => {
      const issuer = new URL(server.url);
      as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    });

    for (const [name, auth] of [
      ['client_secret_basic', oauth.ClientSecretBasic],
      ['client_secret_post', oauth.ClientSecretPost],
    ] as const) {
      it(`gets a token with ${name} and calls the API with it`, async () => {
        const c: oauth.Client = { client_id: client.client_id };
        const response = await oauth.clientCredentialsGrantRequest(as, c, auth(client.client_secret), new URLSearchParams(), insecure);
        const result = await oauth.processClientCredentialsResponse(as, c, response);
        assert.equal(result.token_type, 'bearer'); // oauth4webapi lower-cases it
        assert.equal(result.expires_in, 3600);
        assert.equal(result.scope, MERCHANT_SCOPES.join(' '));
        const v = await viewer(server.url, result.access_token);
        assert.equal(v.clientId, client.client_id);
        assert.equal(v.organizationId, orgA.id);
        assert.deepEqual(v.organizationIds, [orgA.id]);
        assert.deepEqual([...v.scopes].sort(), [...MERCHANT_SCOPES].sort());
      });
    }

    it('narrows the scope through the library', async () => {
      const c: oauth.Client = { client_id: client.client_id };
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        c,
        oauth.ClientSecretBasic(client.client_secret),
        new URLSearchParams({ scope: 'view_orders' }),
        insecure,
      );
      const result = await oauth.processClientCredentialsResponse(as, c, response);
      assert.equal(result.scope, 'view_orders');
    });

    it('surfaces invalid_client as an OAuth error', async () => {
      const c: oauth.Client = { client_id: client.client_id };
      const response = await oauth.clientCredentialsGrantRequest(as, c, oauth.ClientSecretPost('wrong'), new URLSearchParams(), insecure);
      await assert.rejects(oauth.processClientCredentialsResponse(as, c, response), (e: unknown) => {
        assert.ok(e instanceof oauth.ResponseBodyError, String(e));
        assert.equal(e.error, 'invalid_client');
        assert.equal(e.status, 401);
        return true;
      });
    });
  });

  describe('token endpoint', () => {
    it('answers 200 with the RFC 6749 body, no-store headers and an RFC 9068 JWT', async () => {
      const r = await oauthPost(server.url, { grant_type: 'client_credentials' }, {
        basic: { clientId: client.client_id, clientSecret: client.client_secret },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert.equal(r.headers.get('pragma'), 'no-cache');
      assert.deepEqual(Object.keys(r.body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
      assert.equal(r.body.token_type, 'Bearer');
      assert.equal(r.body.expires_in, 3600);
      assert.equal(r.body.scope, MERCHANT_SCOPES.join(' '));

      const header = tokenHeader(r.body.access_token);
      assert.equal(header.typ, 'at+jwt');
      assert.equal(header.alg, 'ES256');
      assert.ok(header.kid);
      const claims = tokenClaims(r.body.access_token);
      assert.equal(claims.iss, server.url);
      assert.equal(claims.aud, 'ordergraph');
      assert.equal(claims.sub, client.client_id);
      assert.equal(claims.client_id, client.client_id);
      assert.equal(claims.scope, MERCHANT_SCOPES.join(' '));
      assert.equal(typeof claims.jti, 'string');
      // exp is rounded up to keep expires_in's promise: iat (rounded down) + 3600, or one second more.
      assert.ok([3600, 3601].includes(claims.exp! - claims.iat!), `exp - iat = ${claims.exp! - claims.iat!}`);
    });

    for (const path of ['/token', '/oauth2/token']) {
      it(`is also served at ${path}`, async () => {
        const r = await oauthPost(server.url, { grant_type: 'client_credentials' }, {
          path,
          basic: { clientId: client.client_id, clientSecret: client.client_secret },
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        await viewer(server.url, r.body.access_token);
      });
    }

    it('narrows the token with `scope`, and accepts `scopes` as an alias', async () => {
      for (const param of ['scope', 'scopes']) {
        const r = await oauthPost(server.url, {
          grant_type: 'client_credentials',
          client_id: client.client_id,
          client_secret: client.client_secret,
          [param]: 'view_orders edit_orders',
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.scope, 'view_orders edit_orders');
        const v = await viewer(server.url, r.body.access_token);
        assert.deepEqual([...v.scopes].sort(), ['edit_orders', 'view_orders']);
      }
    });

    it('ignores unknown parameters', async () => {
      const r = await oauthPost(server.url, { grant_type: 'client_credentials', audience: 'x', foo: 'bar' }, {
        basic: { clientId: client.client_id, clientSecret: client.client_secret },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    });
  });

  describe('token endpoint errors (RFC 6749 §5.2)', () => {
    const basic = () => ({ clientId: client.client_id, clientSecret: client.client_secret });
    const bodyCreds = () => ({ client_id: client.client_id, client_secret: client.client_secret });

    it('invalid_request: missing grant_type', async () => {
      assertOAuthError(await oauthPost(server.url, bodyCreds()), 400, 'invalid_request');
      assertOAuthError(await oauthPost(server.url, {}, { basic: basic() }), 400, 'invalid_request');
    });

    it('invalid_request: a repeated parameter', async () => {
      const repeatedGrant: [string, string][] = [
        ['grant_type', 'client_credentials'],
        ['grant_type', 'client_credentials'],
      ];
      assertOAuthError(await oauthPost(server.url, repeatedGrant, { basic: basic() }), 400, 'invalid_request');
      const repeatedScope: [string, string][] = [
        ['grant_type', 'client_credentials'],
        ['scope', 'view_orders'],
        ['scope', 'edit_orders'],
      ];
      assertOAuthError(await oauthPost(server.url, repeatedScope, { basic: basic() }), 400, 'invalid_request');
    });

    it('invalid_request: Basic and body credentials together', async () => {
      const r = await oauthPost(server.url, { grant_type: 'client_credentials', ...bodyCreds() }, { basic: basic() });
      assertOAuthError(r, 400, 'invalid_request');
    });

    it('invalid_request: credentials in the query string', async () => {
      assertOAuthError(
        await oauthPost(server.url, { grant_type: 'client_credentials' }, { query: bodyCreds() }),
        400,
        'invalid_request',
      );
      // Even next to valid Basic credentials.
      assertOAuthError(
        await oauthPost(server.url, { grant_type: 'client_credentials' }, { basic: basic(), query: { client_secret: client.client_secret } }),
        400,
        'invalid_request',
      );
    });

    it('invalid_request: a body that is not application/x-www-form-urlencoded', async () => {
      const json = JSON.stringify({ grant_type: 'client_credentials', ...bodyCreds() });
      for (const [type, body] of [
        ['application/json', json],
        ['application/json', 'grant_type=client_credentials'], // not even JSON
        ['text/plain', 'grant_type=client_credentials'],
        ['application/xml', '<grant_type>client_credentials</grant_type>'],
      ]) {
        const r = await oauthPost(server.url, body, { basic: basic(), headers: { 'content-type': type } });
        assertOAuthError(r, 400, 'invalid_request');
      }
      const noBody = await fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: basicAuthorization(client.client_id, client.client_secret) },
      });
      assertOAuthError({ status: noBody.status, headers: noBody.headers, body: await noBody.json() }, 400, 'invalid_request');
    });

    it('invalid_client: unknown client or wrong secret, 401 with a Basic challenge when Basic was used', async () => {
      for (const creds of [
        { clientId: `og_unknown_${randomBytes(4).toString('hex')}`, clientSecret: 'whatever' },
        { clientId: client.client_id, clientSecret: `${client.client_secret}x` },
      ]) {
        const r = await oauthPost(server.url, { grant_type: 'client_credentials' }, { basic: creds });
        assertOAuthError(r, 401, 'invalid_client');
        assert.equal(r.headers.get('www-authenticate'), BASIC_CHALLENGE);
      }
      const post = await oauthPost(server.url, { grant_type: 'client_credentials', client_id: client.client_id, client_secret: 'wrong' });
      assertOAuthError(post, 401, 'invalid_client');
      const noAuth = await oauthPost(server.url, { grant_type: 'client_credentials' });
      assertOAuthError(noAuth, 401, 'invalid_client');
    });

    it('invalid_client: a revoked client', async () => {
      const doomed = await createClient(server, { org: orgA.id, scopes: ['view_orders'] });
      await getToken(server.url, doomed);
      await server.cli(['client', 'revoke', doomed.client_id, '--json']);
      const r = await oauthPost(server.url, { grant_type: 'client_credentials' }, {
        basic: { clientId: doomed.client_id, clientSecret: doomed.client_secret },
      });
      assertOAuthError(r, 401, 'invalid_client');
      assert.equal(r.headers.get('www-authenticate'), BASIC_CHALLENGE);
    });

    it('unsupported_grant_type: anything but client_credentials', async () => {
      for (const grant of ['password', 'authorization_code', 'refresh_token']) {
        const r = await oauthPost(server.url, { grant_type: grant, username: 'u', password: 'p' }, { basic: basic() });
        assertOAuthError(r, 400, 'unsupported_grant_type');
      }
    });

    it('invalid_scope: a scope the client does not have, or no such scope', async () => {
      for (const scope of ['admin', 'view_orders edit_integrations', 'no_such_scope']) {
        const r = await oauthPost(server.url, { grant_type: 'client_credentials', scope }, { basic: basic() });
        assertOAuthError(r, 400, 'invalid_scope');
      }
    });

    it('unauthorized_client: organization_id naming an organization the client may not act on', async () => {
      const r = await oauthPost(server.url, { grant_type: 'client_credentials', organization_id: orgB.id }, { basic: basic() });
      assertOAuthError(r, 400, 'unauthorized_client');
    });
  });

  describe('HTTP Basic encoding (RFC 6749 §2.3.1: form-urlencoded, then base64)', () => {
    // Generated secrets are base64url, so clients with awkward credentials are written to the database directly.
    const SECRET = 'Secret: with spaces+plus%41%2B and:colons ~!*()';
    const plainId = `og_manual_${randomBytes(4).toString('hex')}`;
    const oddId = `og:odd +id%${randomBytes(4).toString('hex')}`;

    before(async () => {
      const db = await openDirectDb(server);
      try {
        for (const id of [plainId, oddId]) {
          await db.insert('clients', {
            id,
            organization_id: orgA.id,
            name: `hand-made ${id}`,
            secret_hash: createHash('sha256').update(SECRET, 'utf8').digest('hex'), // the stored form: SHA-256 hex
            scopes: 'view_orders',
            access: '[]',
            revoked_at: null,
            created_at: new Date().toISOString(),
          });
        }
      } finally {
        await db.close();
      }
    });

    const basicHeader = (raw: string) => `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;
    const withHeader = (authorization: string) =>
      oauthPost(server.url, { grant_type: 'client_credentials' }, { headers: { authorization } });

    it('accepts the form-urlencoded encoding of a generated secret, however much of it is percent-encoded', async () => {
      const everyByte = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
      for (const raw of [
        `${formEncode(client.client_id)}:${formEncode(client.client_secret)}`,
        `${everyByte(client.client_id)}:${everyByte(client.client_secret)}`,
      ]) {
        const r = await withHeader(basicHeader(raw));
        assert.equal(r.status, 200, `${raw}: ${JSON.stringify(r.body)}`);
      }
    });

    it('decodes a secret with `: + %` and spaces, and an id with them', async () => {
      for (const id of [plainId, oddId]) {
        const r = await withHeader(basicAuthorization(id, SECRET));
        assert.equal(r.status, 200, `${id}: ${JSON.stringify(r.body)}`);
        assert.equal((await viewer(server.url, r.body.access_token)).clientId, id);
        // The same credentials in the body need no extra encoding.
        const post = await getTokenResponse(server.url, { client_id: id, client_secret: SECRET }, { method: 'post' });
        assert.equal(post.scope, 'view_orders');
      }
    });

    it('works with oauth4webapi for such a secret', async () => {
      const issuer = new URL(server.url);
      const insecure = { [oauth.allowInsecureRequests]: true } as const;
      const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
      for (const id of [plainId, oddId]) {
        const c: oauth.Client = { client_id: id };
        const res = await oauth.clientCredentialsGrantRequest(as, c, oauth.ClientSecretBasic(SECRET), new URLSearchParams(), insecure);
        const result = await oauth.processClientCredentialsResponse(as, c, res);
        assert.equal(result.scope, 'view_orders');
      }
    });

    it('does not accept the secret un-encoded (`+` would mean a space)', async () => {
      const r = await withHeader(basicHeader(`${plainId}:${SECRET}`));
      assertOAuthError(r, 401, 'invalid_client');
    });
  });

  describe('brute-force protection', () => {
    it('after 10 failed attempts for one client, answers 429 with Retry-After, even to the right secret', async () => {
      const target = await createClient(server, { org: orgA.id, scopes: ['view_orders'] });
      const wrong = { clientId: target.client_id, clientSecret: 'not-the-secret' };
      for (let i = 1; i <= 10; i++) {
        const r = await oauthPost(server.url, { grant_type: 'client_credentials' }, { basic: wrong });
        assertOAuthError(r, 401, 'invalid_client');
      }
      for (const basic of [wrong, { clientId: target.client_id, clientSecret: target.client_secret }]) {
        const r = await oauthPost(server.url, { grant_type: 'client_credentials' }, { basic });
        assert.equal(r.status, 429, JSON.stringify(r.body));
        const retryAfter = Number(r.headers.get('retry-after'));
        assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${r.headers.get('retry-after')}`);
        assert.equal(typeof r.body.error, 'string');
      }
      // Other clients are not locked out.
      await viewer(server.url, await getToken(server.url, client));
    });
  });
});

