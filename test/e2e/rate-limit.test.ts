/**
 * Per-token rate limits (SPEC §7). A limit per hour keeps the test free of timing: no window ends while it runs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createClient, createOrgWithClient, getToken, type OAuthClient } from '../support/oauth.ts';
import { gql } from '../support/graphql.ts';
import { readResponse, type HttpResult } from '../support/http-response.ts';

const SCOPES = 'view_orders order-it.order-manager.view';
const HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

function rateHeaders(r: HttpResult): { limit: number; remaining: number; reset: number } {
  for (const h of HEADERS) assert.ok(r.headers.get(h) !== null, `${h} missing on HTTP ${r.status}`);
  return {
    limit: Number(r.headers.get('x-ratelimit-limit')),
    remaining: Number(r.headers.get('x-ratelimit-remaining')),
    reset: Number(r.headers.get('x-ratelimit-reset')),
  };
}

describe('rate limits on (ORDERGRAPH_RATE_LIMIT=5/hour)', () => {
  let server: TestServer;
  let client: OAuthClient;
  before(async () => {
    server = await startServer({ env: { ORDERGRAPH_RATE_LIMIT: '5/hour' } });
    ({ client } = await createOrgWithClient(server, { scopes: SCOPES }));
  });
  after(() => server?.stop());

  it('counts every GraphQL response of a token, on both dialects, then answers 429', async () => {
    const token = await getToken(server.url, client);
    const responses: HttpResult[] = [
      await gql(server.url, token, '{ viewer { clientId } }'),
      await gql(server.url, token, '{ order(id: "nope") { id } }'), // a GraphQL error
      await gql(server.url, token, '{ viewer { clientId } }', undefined, { path: '/fulfiller/graphql' }),
      await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{ "query": ',
      }).then(readResponse), // malformed: 400
      await fetch(`${server.url}/fulfiller/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { authorization: `Bearer ${token}` } }).then(readResponse),
    ];
    assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 400, 200]);
    responses.forEach((r, i) => {
      const h = rateHeaders(r);
      assert.equal(h.limit, 5);
      assert.equal(h.remaining, 4 - i);
      assert.ok(h.reset > 0 && h.reset <= 3600, `reset ${h.reset}`);
    });

    const over = await gql(server.url, token, '{ viewer { clientId } }');
    assert.equal(over.status, 429);
    const retryAfter = Number(over.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 3600, `Retry-After ${over.headers.get('retry-after')}`);
    assert.deepEqual(over.body, { statusCode: 429, message: `Too many requests. Please retry after ${retryAfter} seconds.` });
    assert.equal(rateHeaders(over).remaining, 0);
    const again = await gql(server.url, token, '{ viewer { clientId } }', undefined, { path: '/fulfiller/graphql' });
    assert.equal(again.status, 429, 'the budget is shared by both dialects');
  });

  it('gives every token its own budget', async () => {
    const first = await getToken(server.url, client);
    for (let i = 0; i < 5; i++) assert.equal((await gql(server.url, first, '{ viewer { clientId } }')).status, 200);
    assert.equal((await gql(server.url, first, '{ viewer { clientId } }')).status, 429);

    const sameClient = await getToken(server.url, client);
    const other = await createClient(server, { org: client.org_id, scopes: SCOPES });
    const otherClient = await getToken(server.url, other);
    for (const token of [sameClient, otherClient]) {
      const r = await gql(server.url, token, '{ viewer { clientId } }');
      assert.equal(r.status, 200);
      assert.equal(rateHeaders(r).remaining, 4);
    }
  });

  it('does not count requests refused before authentication, nor the token endpoint', async () => {
    const anonymous = await gql(server.url, undefined, '{ viewer { clientId } }');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('x-ratelimit-limit'), null);
    for (let i = 0; i < 7; i++) await getToken(server.url, client); // more than 5 token requests: never 429
  });
});

describe('rate limits off (the default)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.stop());

  it('sends no rate-limit headers and never 429', async () => {
    const { client } = await createOrgWithClient(server, { scopes: SCOPES });
    const token = await getToken(server.url, client);
    for (let i = 0; i < 20; i++) {
      const r = await gql(server.url, token, '{ viewer { clientId } }', undefined, { path: i % 2 ? '/graphql' : '/fulfiller/graphql' });
      assert.equal(r.status, 200);
      for (const h of [...HEADERS, 'retry-after']) assert.equal(r.headers.get(h), null, h);
    }
  });
});
