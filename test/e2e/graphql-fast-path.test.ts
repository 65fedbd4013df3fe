/**
 * The GraphQL POST fast path (src/http/graphql-fast-path.ts) answers exactly as Mercurius does. A document's first
 * POST is run by Mercurius (graphql-js), its second by Mercurius with graphql-jit, every later one by the fast
 * path: the same request sent four times must get byte-for-byte the answer, status and headers of Mercurius' jit
 * (the second sight) — successes, resolver errors, variable errors, scope refusals, named operations, both
 * dialects, both media types — and the same `change` log line and metrics. (graphql-js puts `errors` before
 * `data` where graphql-jit puts it after: the first sight is compared as parsed JSON.)
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createTenant, orderInput, ORDER_UPDATE, type Tenant } from '../support/orders-api.ts';
import { createClient, getToken } from '../support/oauth.ts';
import { pollUntil } from '../support/poll.ts';

const SIGHTS = 4;
const SHOWN_HEADERS = ['content-type', 'allow', 'www-authenticate', 'x-request-id'];

interface Sent {
  path?: string;
  token: string;
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  accept?: string;
}

/** One POST, as the parts a client can see: status, the headers that matter, the body text. */
async function post(url: string, s: Sent, requestId: string): Promise<string> {
  const res = await fetch(`${url}${s.path ?? '/graphql'}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: s.accept ?? 'application/json',
      authorization: `Bearer ${s.token}`,
      'x-request-id': requestId,
    },
    body: JSON.stringify({ query: s.query, variables: s.variables, operationName: s.operationName }),
  });
  const headers = SHOWN_HEADERS.map((h) => `${h}: ${res.headers.get(h)}`).join('\n');
  return `${res.status}\n${headers}\n${await res.text()}`;
}

describe('GraphQL POST fast path: the same answers as Mercurius', () => {
  let server: TestServer;
  let t: Tenant;
  let viewOnly: string;
  let orderId: string;

  before(async () => {
    server = await startServer({ env: { LOG_LEVEL: 'info' } });
    t = await createTenant(server);
    orderId = (await t.api.create(orderInput())).id;
    viewOnly = await getToken(server.url, await createClient(server, { org: t.merchant.id, scopes: 'view_orders' }));
  });
  after(() => server?.stop());

  /** Sends `s` SIGHTS times with one request id; every answer must equal Mercurius' (the first two sights). */
  async function same(name: string, s: Sent, expect: (first: string) => void, opts: { bytes?: boolean } = {}): Promise<void> {
    const answers: string[] = [];
    for (let i = 0; i < SIGHTS; i++) answers.push(await post(server.url, s, `fast-path-${name}`));
    expect(answers[0]);
    const parsed = (a: string) => {
      const at = a.indexOf('\n{');
      return { head: a.slice(0, at), body: JSON.parse(a.slice(at + 1)) };
    };
    for (let i = 1; i < SIGHTS; i++) assert.deepEqual(parsed(answers[i]), parsed(answers[0]), `${name}: sight ${i + 1} differs from the first`);
    if (opts.bytes === false) return;
    for (let i = 2; i < SIGHTS; i++) assert.equal(answers[i], answers[1], `${name}: sight ${i + 1} differs from Mercurius' jit`);
  }

  test('queries, resolver errors and named operations on the Orders API', async () => {
    await same('viewer', { token: t.api.token, query: '{ viewer { clientId scopes } }' }, (a) => assert.match(a, /^200\n[\s\S]*"clientId"/));
    const byId = 'query Order($id: String) { order(id: $id) { id state comment } }';
    await same('order', { token: t.api.token, query: byId, variables: { id: orderId } }, (a) => assert.match(a, /^200\n[\s\S]*"state":"DRAFT"/));
    await same('missing', { token: t.api.token, query: byId, variables: { id: 'nope' } }, (a) => assert.match(a, /^200\n[\s\S]*"errors"/));
    const two = 'query A { viewer { clientId } } query B { order(id: "nope") { id } }';
    // Mercurius caches one compiled query per text whatever the operation: a document of several operations is
    // run by graphql-js until the fast path has compiled the one asked for (so no byte comparison with sight 2).
    await same('named', { token: t.api.token, query: two, operationName: 'B' }, (a) => assert.match(a, /^200\n[\s\S]*"order"/), { bytes: false });
    await same('named-other', { token: t.api.token, query: two, operationName: 'A' }, (a) => assert.match(a, /^200\n[\s\S]*"clientId"/), { bytes: false });
  });

  test('variable errors: 200 in application/json, 400 in application/graphql-response+json, naming the variable', async () => {
    const q = 'query Order($id: String!) { order(id: $id) { id } }';
    await same('var-json', { token: t.api.token, query: q, variables: { id: 12 } }, (a) => assert.match(a, /^200\n[\s\S]*\$id/));
    await same('var-missing', { token: t.api.token, query: q, variables: {} }, (a) => assert.match(a, /^200\n[\s\S]*\$id/));
    const accept = 'application/graphql-response+json';
    await same('var-gql', { token: t.api.token, query: q, variables: {}, accept }, (a) => assert.match(a, /^400\ncontent-type: application\/graphql-response\+json/));
    await same('ok-gql', { token: t.api.token, query: q, variables: { id: orderId }, accept }, (a) => assert.match(a, /^200\ncontent-type: application\/graphql-response\+json/));
  });

  test('mutations refused for a bad input or a missing scope change nothing, and log one change line each', async () => {
    const bad = { token: t.api.token, query: ORDER_UPDATE, variables: { input: { id: orderId, priority: 'SOON' } } };
    await same('bad-input', bad, (a) => assert.match(a, /^200\n[\s\S]*priority/));
    const unknown = { token: t.api.token, query: ORDER_UPDATE, variables: { input: { id: randomUUID(), comment: 'x' } } };
    await same('unknown', unknown, (a) => assert.match(a, /^200\n[\s\S]*NOT_FOUND/));
    const forbidden = { token: viewOnly, query: ORDER_UPDATE, variables: { input: { id: orderId, comment: 'x' } } };
    await same('forbidden', forbidden, (a) => assert.match(a, /^200\n[\s\S]*"errors"/));
    const order = await t.api.order(orderId);
    assert.equal(order.comment, 'first comment');
    // The server writes its log asynchronously (pino), so its last lines may arrive after the answers.
    const changeLines = () =>
      server
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{') && l.includes('"msg":"change"') && l.includes('"reqId":"fast-path-unknown"'));
    await pollUntil(() => changeLines().length >= SIGHTS, { timeoutMs: 10_000 }).catch(() => {}); // asserted below
    const changes = changeLines();
    assert.equal(changes.length, SIGHTS, changes.join('\n'));
    for (const line of changes) assert.deepEqual(JSON.parse(line).errors, ['NOT_FOUND']);
  });

  test('an applied change answers alike on every sight (its own request each time)', async () => {
    const answers: string[] = [];
    for (let i = 0; i < SIGHTS; i++) {
      const a = await post(server.url, { token: t.api.token, query: ORDER_UPDATE, variables: { input: { id: orderId, comment: `c${i}` } } }, `apply-${i}`);
      answers.push(a.replace(/"id":"[^"]+"|"createdAt":"[^"]+"|"completedAt":"[^"]+"|apply-\d/g, ''));
    }
    for (const a of answers) assert.equal(a, answers[0]);
    assert.equal((await t.api.order(orderId)).comment, `c${SIGHTS - 1}`);
  });

  test('the Fulfiller API, and the metrics count every sight under its operation', async () => {
    const path = '/fulfiller/graphql';
    const count = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('ordergraph_graphql_request_duration_seconds_count') && l.includes('operation="query core.orders"'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const before = await count();
    await same('core', { path, token: t.supplierToken, query: '{ core { orders(limit: 1) { id } } }' }, (a) => assert.match(a, /^200\n[\s\S]*"core"/));
    await same('core-bad', { path, token: t.supplierToken, query: '{ core { order(id: -1) { id } } }' }, (a) => assert.match(a, /^200\n[\s\S]*"errors"/));
    assert.equal((await count()) - before, SIGHTS);
  });
});
