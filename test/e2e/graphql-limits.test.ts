/**
 * The limits of SPEC §7 on a real server: body size, depth, aliases, tokens, cost, page sizes, introspection and
 * GraphiQL by environment, and unexpected errors masked behind a request id.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getIntrospectionQuery } from 'graphql';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createOrgWithClient, getToken } from '../support/oauth.ts';
import { gql, type GraphQLPath } from '../support/graphql.ts';
import { readResponse } from '../support/http-response.ts';
import { pollUntil } from '../support/poll.ts';
import { openDirectDb } from '../support/direct-db.ts';

const ALL_SCOPES = 'view_orders create_orders edit_orders edit_integrations order-it.order-manager.view order-it.order-manager.edit';
const CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'INSUFFICIENT_SCOPE', 'NOT_FOUND', 'BAD_USER_INPUT', 'VERSION_CONFLICT', 'INVALID_STATUS_TRANSITION', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR'];

async function serverWithToken(env: Record<string, string> = {}): Promise<{ server: TestServer; token: string }> {
  const server = await startServer({ env });
  const { client } = await createOrgWithClient(server, { scopes: ALL_SCOPES });
  return { server, token: await getToken(server.url, client) };
}

/** Asserts HTTP 200 with one BAD_USER_INPUT error whose message matches. */
async function refused(url: string, token: string, query: string, message: RegExp, path: GraphQLPath = '/graphql', variables?: Record<string, unknown>) {
  const r = await gql(url, token, query, variables, { path });
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 500));
  assert.equal(r.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r.body).slice(0, 500));
  assert.match(r.body.errors![0].message, message);
}

describe('limits (default configuration)', () => {
  let server: TestServer;
  let token: string;
  before(async () => ({ server, token } = await serverWithToken()));
  after(() => server?.stop());

  it('answers a body over 1 MiB with 413 and a JSON error', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { clientId } }', variables: { pad: 'x'.repeat(1024 * 1024) } }),
    }).then(readResponse);
    assert.equal(res.status, 413);
    assert.ok(res.headers.get('content-type')?.startsWith('application/json'));
    assert.deepEqual(res.body, { errors: [{ message: 'Request body is too large', extensions: { code: 'BAD_USER_INPUT' } }] });
    // Just under the limit is fine.
    const ok = await gql(server.url, token, '{ viewer { clientId } }', { pad: 'x'.repeat(1000 * 1024) });
    assert.equal(ok.status, 200);
  });

  it('bounds query depth (15: the standard introspection query fits) and tokens', async () => {
    const intro = await gql(server.url, token, getIntrospectionQuery());
    assert.equal(intro.body.errors, undefined, JSON.stringify(intro.body.errors));
    assert.ok(intro.body.data.__schema.types.length > 10);
    let deep = 'name';
    for (let i = 0; i < 15; i++) deep = `ofType { ${deep} }`;
    await refused(server.url, token, `{ __type(name: "Order") { ${deep} } }`, /query depth \(17\) exceeds the query depth limit of 15/);
    await refused(server.url, token, `{ viewer { ${'clientId '.repeat(50_001)} } }`, /Document contains more that 50000 tokens/);
  });

  it('caps aliases at 100, repeated fields at 10 and the estimated cost', async () => {
    const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { clientId }`).join(' ')} }`;
    const ok = await gql(server.url, token, aliased(100));
    assert.equal(ok.body.errors, undefined);
    assert.equal(ok.body.data.a99.clientId, ok.body.data.a0.clientId);
    await refused(server.url, token, aliased(101), /more than 100 aliases/);
    await refused(server.url, token, `{ ${'viewer { clientId } '.repeat(11)} }`, /`viewer` is selected more than 10 times/);
    const pages = Array.from({ length: 60 }, (_, i) => `a${i}: orders(first: 100) { edges { node { id lines { id sku } events { action } } } }`);
    await refused(server.url, token, `{ ${pages.join(' ')} }`, /estimated cost exceeds the limit of 150000/);
    const fulfillerPages = Array.from({ length: 20 }, (_, i) => `a${i}: orders(limit: $n) { id items { id sku } }`);
    await refused(server.url, token, `query($n: Int) { core { ${fulfillerPages.join(' ')} } }`, /estimated cost exceeds/, '/fulfiller/graphql');
  });

  it('caps page sizes: orders(first) ≤ 100, core.orders(limit) ≤ 500, updateOrders ≤ 1,000 orders', async () => {
    await refused(server.url, token, '{ orders(first: 101) { totalCount } }', /`first` must be an integer from 0 to 100/);
    await refused(server.url, token, '{ core { orders(limit: 501) { id } } }', /`limit` must be an integer from 1 to 500/, '/fulfiller/graphql');
    const orders = Array.from({ length: 1001 }, (_, i) => ({ id: i + 1, status: 4 }));
    await refused(
      server.url,
      token,
      'mutation($orders: [OrderInput]) { core { updateOrders(orders: $orders) { id } } }',
      /at most 1000 orders per call/,
      '/fulfiller/graphql',
      { orders },
    );
  });

  it('refuses the NUL character (U+0000) in variables and string literals, on both databases alike', async () => {
    const create = 'mutation($input: OrderInput!) { orderCreate(input: $input) { id } }';
    await refused(server.url, token, create, /`variables.input.lines\[0\].sku` must not contain the NUL character/, '/graphql', {
      input: { lines: [{ sku: 'a\u0000b', quantity: 1 }] },
    });
    await refused(server.url, token, 'mutation { orderOpen(id: "\\u0000") { id } }', /`query` must not contain the NUL character/);
    const r = await gql(server.url, token, create, { input: { comment: '\u0000' } }, { headers: { accept: 'application/graphql-response+json' } });
    assert.equal(r.status, 400);
  });

  it('masks an unexpected failure behind a request id, and logs it', async () => {
    // A real internal error: an order whose stored delivery address is no longer JSON (written behind the
    // server's back), so reading it fails in the server, not in the request.
    const created = await gql(server.url, token, 'mutation($i: OrderInput!) { orderCreate(input: $i) { id } }', {
      i: { delivery: { city: 'Lyon' }, lines: [{ sku: 'S', quantity: 1 }] },
    });
    const id = created.body.data?.orderCreate?.id as string;
    assert.ok(id, JSON.stringify(created.body));
    const db = await openDirectDb(server);
    try {
      await db.query('UPDATE orders SET delivery = $1 WHERE id = $2', ['{"city": "Lyon", truncated', id]);
    } finally {
      await db.close();
    }
    const r = await gql(server.url, token, 'query($id: String) { order(id: $id) { id delivery { city } } }', { id });
    assert.equal(r.status, 200);
    assert.equal(r.body.errors?.length, 1, JSON.stringify(r.body));
    const [internal] = r.body.errors!;
    assert.equal(internal.extensions?.code, 'INTERNAL_SERVER_ERROR', JSON.stringify(internal));
    assert.ok(CODES.includes(internal.extensions.code));
    const requestId = internal.extensions!.requestId as string;
    assert.match(requestId, /^[0-9a-f-]{36}$/);
    assert.equal(internal.message, `Internal server error; quote request id ${requestId} when reporting it`);
    assert.deepEqual(r.body.data, { order: null });
    assert.doesNotMatch(JSON.stringify(r.body), /JSON|SQL|select|truncated|Lyon|stack|at .*\.ts/i);
    await pollUntil(() => server.output().includes(requestId), { message: 'the full error is logged with the request id' });
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
  });

  it('serves introspection and GraphiQL in development', async () => {
    const page = await fetch(`${server.url}/graphiql`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /GraphiQL/);
    const browser = await fetch(`${server.url}/fulfiller/graphql`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    assert.equal(browser.status, 302);
    assert.equal(browser.headers.get('location'), '/fulfiller/graphiql');
    await browser.arrayBuffer();
  });
});

describe('introspection and GraphiQL in production', () => {
  it('are off with NODE_ENV=production', async () => {
    const { server, token } = await serverWithToken({ NODE_ENV: 'production' });
    try {
      for (const path of ['/graphql', '/fulfiller/graphql'] as const) {
        await refused(server.url, token, '{ __schema { types { name } } }', /introspection/i, path);
        const typename = await gql(server.url, token, '{ __typename }', undefined, { path });
        assert.equal(typename.body.data.__typename, 'Query', '__typename is not introspection');
      }
      const page = await fetch(`${server.url}/graphiql`);
      assert.equal(page.status, 404);
      await page.arrayBuffer();
      const browser = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      assert.equal(browser.status, 401, 'no redirect to a GraphiQL that is not there');
      await browser.arrayBuffer();
    } finally {
      await server.stop();
    }
  });

  it('ORDERGRAPH_INTROSPECTION=true turns introspection, and so GraphiQL, back on', async () => {
    const { server, token } = await serverWithToken({ NODE_ENV: 'production', ORDERGRAPH_INTROSPECTION: 'true' });
    try {
      const r = await gql(server.url, token, '{ __schema { queryType { name } } }', undefined, { path: '/fulfiller/graphql' });
      assert.deepEqual(r.body, { data: { __schema: { queryType: { name: 'Query' } } } });
      const page = await fetch(`${server.url}/graphiql`);
      assert.equal(page.status, 200);
      await page.arrayBuffer();
    } finally {
      await server.stop();
    }
  });
});
