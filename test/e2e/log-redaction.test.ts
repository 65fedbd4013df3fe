/**
 * Issue #12 item 5: logs carry no secrets and no personal data, at any level. With LOG_LEVEL=trace, a
 * client_secret sent in a query string (refused, rightly) and GraphQL variables (GET and POST, valid or not)
 * appear nowhere in the server's output, while the requests themselves are logged, path only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createOrgWithClient, getToken, oauthPost } from '../support/oauth.ts';
import { gql } from '../support/graphql.ts';
import { orderInput } from '../support/orders-api.ts';
import { pollUntil } from '../support/poll.ts';

describe('LOG_LEVEL=trace', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ env: { LOG_LEVEL: 'trace' } });
  });
  after(() => server?.stop());

  it('logs no query string and no GraphQL variables', async () => {
    const { org, client } = await createOrgWithClient(server, { scopes: 'view_orders create_orders' });
    const token = await getToken(server.url, client);
    const secret = 'S3CRET-IN-QUERY-STRING';
    const refused = await oauthPost(server.url, { grant_type: 'client_credentials' }, { query: { client_id: client.client_id, client_secret: secret } });
    assert.equal(refused.status, 400);

    const getPii = 'pii-in-get@example.com';
    const q = new URLSearchParams({ query: 'query($e: String) { viewer { clientId } }', variables: JSON.stringify({ e: getPii }) });
    const get = await fetch(`${server.url}/graphql?${q}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    assert.equal(get.status, 200, await get.text());

    const postPii = 'pii-in-post@example.com';
    const input = orderInput({ organizationId: org.id });
    const created = await gql(server.url, token, 'mutation($input: OrderInput!) { orderCreate(input: $input) { id } }', {
      input: { ...input, delivery: { ...(input.delivery as object), email: postPii } },
    });
    assert.equal(created.body.errors, undefined, JSON.stringify(created.body));
    const badPii = 'pii-in-bad-variables';
    const bad = await gql(server.url, token, 'mutation($input: OrderInput!) { orderCreate(input: $input) { id } }', { input: { lines: badPii } });
    assert.ok(bad.body.errors);

    // The requests were logged (at debug), path only.
    const output = await pollUntil(() => {
      const out = server.output();
      return out.includes('"url":"/oauth/token?[redacted]"') && out.includes('"url":"/graphql?[redacted]"') ? out : undefined;
    }, { timeoutMs: 5000, message: `request lines missing:\n${server.output().slice(-3000)}` });
    for (const leaked of [secret, getPii, postPii, badPii, client.client_secret]) {
      assert.ok(!output.includes(leaked), `the log carries ${leaked}`);
    }
  });
});
