/** `GET /oauth2/me` (HappyColis, SPEC §9): the token's client, organization and scopes, as `viewer` gives them. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createOrgWithClient, getToken } from '../support/oauth.ts';
import { viewer } from '../support/graphql.ts';

describe('GET /oauth2/me', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.stop());

  it('answers what viewer answers, and 401 without a valid token', async () => {
    const { org, client } = await createOrgWithClient(server, { scopes: 'view_orders edit_integrations' });
    const token = await getToken(server.url, client, { scope: 'view_orders' });
    const res = await fetch(`${server.url}/oauth2/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const me = await res.json();
    assert.deepEqual(me, { clientId: client.client_id, organizationId: org.id, organizationIds: [org.id], scopes: ['view_orders'] });
    assert.deepEqual(me, await viewer(server.url, token));

    const none = await fetch(`${server.url}/oauth2/me`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm="ordergraph"/);
    const bad = await fetch(`${server.url}/oauth2/me`, { headers: { authorization: 'Bearer not.a.token' } });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /invalid_token/);
  });
});
