/**
 * Fuzzing a real server with fast-check: generated variables for every mutation of both dialects (mostly
 * well-typed inputs with odd values, some of any shape), malformed documents, and malformed bodies. The server
 * must never answer 5xx, never crash (it still answers /healthz, and logs no uncaught exception), and every error
 * must carry a code from SPEC §7 — and never INTERNAL_SERVER_ERROR, which would be a bug.
 *
 * About 2,400 requests. FUZZ_RUNS scales the runs per property; FUZZ_SEED replays a run.
 * Webhook endpoints are only loopback addresses or strings without a scheme, so nothing generated here can make
 * the server send a request off this machine.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createFulfillerWorld, createOrder, type FulfillerWorld } from '../support/fulfiller.ts';
import { createClient, getToken } from '../support/oauth.ts';
import { gql, type GraphQLPath } from '../support/graphql.ts';
import { readResponse, type HttpResult } from '../support/http-response.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'INSUFFICIENT_SCOPE', 'NOT_FOUND', 'BAD_USER_INPUT', 'VERSION_CONFLICT', 'INVALID_STATUS_TRANSITION', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR']);
const STATUSES = new Set([200, 400, 405, 413, 415]);

/**
 * Bugs this fuzzer found in code the hardening work does not own, reported and awaiting their owners' fix: an
 * INTERNAL_SERVER_ERROR for exactly these inputs is printed, not failed. Remove an entry once it is fixed.
 */
const KNOWN_BUGS: { note: string; matches(what: string, input: unknown): boolean }[] = [];

// ---- values ---------------------------------------------------------------------------------------------------

const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ufeff', '\u202eevil', '💥🧨', 'ʻŌlelo Hawaiʻi', 'e\u0301\u0301\u0301',
  "'; DROP TABLE orders; --", '" OR "1"="1', '%00%ff', '${process.exit()}', '{{7*7}}', '__proto__', 'constructor', 'null',
  'NaN', '-0', '1e309', '9'.repeat(400), 'x'.repeat(6000), '\n\r\t\v\f', '<script>alert(1)</script>', '../../etc/passwd',
];
const nastyString = fc.constantFrom(...NASTY_STRINGS);
const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 3, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.string({ minLength: 200, maxLength: 2000 }) },
);
const NASTY_NUMBERS = [0, -0, -1, 0.5, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 1e308, -1e308, 5e-324, 1e-7];
const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(...NASTY_NUMBERS));
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  anyString,
  anyNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant({ __proto__: { admin: true } }),
);
/** Mostly a value of the right kind, sometimes anything. */
const f = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: anyValue });
const opt = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) => fc.record(fields, { requiredKeys: [] });
/** Sometimes adds keys the input type does not have. */
const withExtras = (arb: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(arb, fc.option(fc.dictionary(anyString, anyValue, { maxKeys: 2 }), { freq: 5 })).map(([a, extra]) => ({ ...(extra ?? {}), ...a }));

// ---- requests -------------------------------------------------------------------------------------------------

interface Finding {
  what: string;
  input: unknown;
  response: unknown;
}

describe('fuzzing both dialects', () => {
  let server: TestServer;
  let w: FulfillerWorld;
  let webhookToken: string;
  const orderIds: string[] = [];
  const orderNumbers: number[] = [];
  const findings: Finding[] = [];
  const known = new Map<string, number>();
  let requests = 0;

  before(async () => {
    server = await startServer();
    w = await createFulfillerWorld(server);
    const hooks = await createClient(server, { org: w.merchant.id, scopes: 'view_orders edit_integrations' });
    webhookToken = await getToken(server.url, hooks);
    for (const state of ['DRAFT', 'DRAFT', 'OPENED', 'OPENED', 'OPENED']) {
      const o = await createOrder(w, { state });
      orderIds.push(o.id);
      orderNumbers.push(o.number);
    }
  });

  after(async () => {
    process.stdout.write(`# fuzz: ${requests} requests, ${findings.length} finding(s)\n`);
    for (const [note, n] of known) process.stdout.write(`# fuzz: known bug hit ${n} time(s): ${note}\n`);
    await server?.stop();
  });

  /** Checks one response against the properties; records INTERNAL_SERVER_ERRORs as findings. */
  function check(what: string, input: unknown, r: HttpResult): void {
    requests += 1;
    assert.ok(STATUSES.has(r.status), `${what}: HTTP ${r.status} for ${JSON.stringify(input).slice(0, 500)}: ${JSON.stringify(r.body).slice(0, 500)}`);
    assert.equal(typeof r.body, 'object', `${what}: not JSON: ${String(r.body).slice(0, 200)}`);
    const errors = (r.body?.errors ?? []) as { extensions?: { code?: string } }[];
    if (r.status !== 200) assert.ok(errors.length > 0, `${what}: HTTP ${r.status} without errors`);
    const bug = KNOWN_BUGS.find((b) => b.matches(what, input));
    for (const e of errors) {
      assert.ok(CODES.has(e.extensions?.code ?? ''), `${what}: error without a SPEC code: ${JSON.stringify(e)}`);
      if (e.extensions?.code !== 'INTERNAL_SERVER_ERROR') continue;
      if (bug) {
        known.set(bug.note, (known.get(bug.note) ?? 0) + 1);
        return;
      }
      findings.push({ what, input, response: r.body });
    }
    assert.ok(!errors.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR'), `${what}: INTERNAL_SERVER_ERROR for ${JSON.stringify(input).slice(0, 1000)}`);
  }

  async function fuzzOperation(what: string, path: GraphQLPath, token: () => string, query: string, variables: fc.Arbitrary<Record<string, unknown>>) {
    await fc.assert(
      fc.asyncProperty(variables, async (vars) => {
        check(what, vars, await gql(server.url, token(), query, vars, { path }));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }

  const orderId = () => fc.oneof(fc.constantFrom(...orderIds), fc.uuid(), anyString);
  const line = opt({
    sku: f(fc.string({ maxLength: 20 })),
    label: f(fc.string({ maxLength: 40 })),
    quantity: f(fc.integer({ min: -3, max: 1000 })),
    price: f(fc.double({ min: -10, max: 1e6, noNaN: true })),
    vatRate: f(fc.double({ min: -1, max: 100, noNaN: true })),
  });
  const delivery = opt({
    type: f(fc.constantFrom('PERSON', 'RELAY_POINT')),
    fullname: f(anyString),
    email: f(fc.oneof(fc.emailAddress(), anyString)),
    address: f(anyString),
    addressComplement: f(anyString),
    zipcode: f(anyString),
    city: f(anyString),
    country: f(fc.constantFrom('FR', 'GB', 'DE', 'XX', 'fr', '')),
    phone: f(fc.constantFrom('+33 1 23 45 67 89', '0612345678', 'call me')),
  });
  const orderInput = () =>
    withExtras(
      opt({
        id: f(orderId()),
        organizationId: f(fc.oneof(fc.constant(w.merchant.id), fc.constant(w.supplier.id), fc.uuid())),
        externalReference: f(anyString),
        supplierId: f(fc.oneof(fc.constant(w.supplier.id), fc.constant(w.merchant.id), fc.uuid())),
        invoiceNumber: f(anyString),
        type: f(fc.constantFrom('B2C', 'B2B')),
        dispatchingType: f(fc.constantFrom('AUTOMATIC', 'MANUAL')),
        priority: f(fc.constantFrom('LOW', 'NORMAL', 'HIGH')),
        inventoryPolicy: f(fc.constantFrom('DENY', 'ALLOW', 'SKIP', 'ADJUST')),
        state: f(fc.constantFrom('DRAFT', 'OPENED', 'COMPLETED')),
        total: f(anyNumber),
        totalTaxInclusive: f(anyNumber),
        totalShipping: f(anyNumber),
        currency: f(fc.constantFrom('EUR', 'USD', 'GBP', 'XXX', 'eur', '')),
        issuedAt: f(fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('2026-02-30', '2026-11-22T25:00:00Z', '2026-11-22', 'yesterday'))),
        delivery: f(delivery),
        lines: f(fc.array(line, { maxLength: 4 })),
        comment: f(anyString),
        expectedVersion: f(fc.integer({ min: -1, max: 6 })),
      }),
    );
  /** A variables map: usually `{ [name]: value }`, sometimes anything at all. */
  const vars = (name: string, value: fc.Arbitrary<unknown>) =>
    fc.oneof(
      { weight: 8, arbitrary: value.map((v) => ({ [name]: v })) },
      { weight: 1, arbitrary: fc.dictionary(anyString, anyValue, { maxKeys: 3 }) },
      { weight: 1, arbitrary: anyValue.map((v) => ({ [name]: v })) },
    );

  const REQUEST = '{ id type state message orderId createdAt completedAt }';
  const merchant = () => w.merchantToken;

  it('orderCreate', () =>
    fuzzOperation('orderCreate', '/graphql', merchant, `mutation($input: OrderInput!) { orderCreate(input: $input) { id number state status version lines { id quantity } delivery { country } } }`, vars('input', orderInput())));
  it('orderUpdate', () =>
    fuzzOperation('orderUpdate', '/graphql', merchant, `mutation($input: OrderInput!) { orderUpdate(input: $input) ${REQUEST} }`, vars('input', orderInput())));
  for (const m of ['orderOpen', 'orderCancel', 'orderRequestFulfillment']) {
    it(m, () => fuzzOperation(m, '/graphql', merchant, `mutation($id: String!) { ${m}(id: $id) ${REQUEST} }`, vars('id', orderId())));
  }

  it('core.updateOrders', () => {
    const update = opt({
      id: f(fc.oneof(fc.constantFrom(...orderNumbers), fc.integer(), fc.integer({ min: 2 ** 31 - 5, max: 2 ** 31 + 5 }))),
      status: f(fc.constantFrom(0, 1, 2, 4, 8, 32, 64, 128, 256, 512, 513, 514, 515, 516, 517, -1)),
      shipping_carrier: f(anyString),
      shipping_method: f(anyString),
      shipping_tracking: f(fc.oneof(anyString, fc.string({ minLength: 250, maxLength: 300 }))),
    });
    return fuzzOperation(
      'core.updateOrders',
      '/fulfiller/graphql',
      () => w.supplierToken,
      'mutation($orders: [OrderInput]) { core { updateOrders(orders: $orders) { id status status_name shipping_carrier shipping_tracking items { id status } } } }',
      vars('orders', fc.oneof(fc.array(fc.oneof({ weight: 6, arbitrary: update }, { weight: 1, arbitrary: fc.constant(null) }), { maxLength: 12 }), anyValue)),
    );
  });

  // Loopback or no scheme at all: an accepted endpoint can only ever point at this machine.
  const endpoint = fc.oneof(
    fc.constantFrom(
      'http://127.0.0.1:9/hook', 'https://localhost/hook', 'http://[::1]:9/', 'http://0.0.0.0/', 'http://2130706433/', 'http://0x7f000001/',
      'http://127.1/', 'ftp://127.0.0.1/', 'javascript:alert(1)', 'file:///etc/passwd', 'http://', 'http://127.0.0.1:99999/', 'http://user:pw@127.0.0.1/',
      `http://127.0.0.1/${'x'.repeat(3000)}`,
    ),
    anyString.filter((s) => !s.includes(':')),
  );
  const webhookId = () => fc.oneof(fc.uuid(), anyString);
  const events = fc.array(fc.oneof(fc.constantFrom('order/created', 'order/updated', 'request/accepted', 'order/*', ''), anyString), { maxLength: 8 });
  const headers = fc.oneof(fc.dictionary(anyString, anyString, { maxKeys: 4 }), fc.constantFrom({ Host: 'evil' }, { 'content-length': '0' }, { 'x-a': 'a\r\nb' }), anyValue);
  const hooks = () => webhookToken;

  it('webhookCreate', () =>
    fuzzOperation('webhookCreate', '/graphql', hooks, 'mutation($input: WebhookInput!) { webhookCreate(input: $input) { id endpoint events health } }', vars('input', withExtras(opt({ endpoint: f(endpoint), events: f(events), headers })))));
  it('webhookUpdate', () =>
    fuzzOperation(
      'webhookUpdate',
      '/graphql',
      hooks,
      'mutation($id: String!, $input: WebhookUpdateInput!) { webhookUpdate(id: $id, input: $input) { id endpoint enabled } }',
      fc.record({ id: webhookId(), input: withExtras(opt({ endpoint: f(endpoint), events: f(events), headers, enabled: f(fc.boolean()), rotateSecret: f(fc.boolean()) })) }),
    ));
  it('webhookDelete', () => fuzzOperation('webhookDelete', '/graphql', hooks, 'mutation($id: String!) { webhookDelete(id: $id) }', vars('id', webhookId())));
  it('webhookDeliveryRetry', () =>
    fuzzOperation('webhookDeliveryRetry', '/graphql', hooks, 'mutation($id: String!) { webhookDeliveryRetry(id: $id) { id attempt } }', vars('id', webhookId())));

  it('queries with odd arguments', () =>
    fuzzOperation(
      'orders/core.orders',
      '/graphql',
      merchant,
      `query($first: Int, $after: String, $state: OrderStateEnum, $createdAfter: DateTime) {
        orders(first: $first, after: $after, filter: { state: $state, createdAfter: $createdAfter }) { totalCount edges { cursor node { id } } } }`,
      opt({
        first: f(fc.integer({ min: -5, max: 200 })),
        after: f(fc.oneof(anyString, anyValue.map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')))),
        state: f(fc.constantFrom('DRAFT', 'OPENED', 'COMPLETED')),
        createdAfter: f(fc.constantFrom('2026-01-01T00:00:00Z', '0000-01-01', '9999-12-31T23:59:59.999Z')),
      }),
    ));

  it('malformed documents', async () => {
    const TOKENS = ['{', '}', '(', ')', '$x', '...', 'query', 'mutation', 'subscription', 'fragment', 'on', 'orders', 'viewer', 'core', 'order', 'id',
      '@include(if: true)', '"s"', '"""b"""', ':', '!', '[', ']', '=', '1', '-1.5e3', '__schema', '__type', '# c', 'Int', 'null', ',', '&', '|'];
    const document = fc.oneof(
      fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => t.join(' ')),
      anyString,
      fc.integer({ min: 1, max: 20_000 }).map((n) => `${'{ viewer '.repeat(n)}${'}'.repeat(n)}`),
      fc.integer({ min: 1, max: 5_000 }).map((n) => `query { orders(filter: ${'{ state: '.repeat(n)}DRAFT${'}'.repeat(n)}) { totalCount } }`),
      fc.integer({ min: 1, max: 3_000 }).map((n) => `query($v: ${'['.repeat(n)}Int${']'.repeat(n)}) { viewer { clientId } }`),
      fc.integer({ min: 1, max: 400 }).map((n) => `{ ${Array.from({ length: n }, (_, i) => `...F${i}`).join(' ')} } ${Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${(i + 1) % n} }`).join(' ')}`),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(document, fc.constantFrom<GraphQLPath>('/graphql', '/fulfiller/graphql'), fc.option(fc.dictionary(anyString, anyValue, { maxKeys: 3 })), async (query, path, variables) => {
        check('document', query.slice(0, 300), await gql(server.url, w.merchantToken, query, variables ?? undefined, { path }));
      }),
      { numRuns: RUNS * 2, seed: SEED },
    );
  });

  it('malformed bodies', async () => {
    const body = fc.oneof(
      anyString,
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      anyValue.map((v) => JSON.stringify(v) ?? 'undefined'),
      fc.record({ query: anyValue, variables: anyValue, operationName: anyValue, extensions: anyValue }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
      fc.constantFrom(
        '1e999',
        '{"query": 1e999}',
        '{"query": "{ viewer { clientId } }", "variables": {"x": 123456789012345678901234567890123456789}}',
        '{"query": "query($n: Int) { orders(first: $n) { totalCount } }", "variables": {"n": 1e400}}',
        '{"query": "{ viewer { clientId } }", "__proto__": {"query": "x"}}',
        '{"query": "{ viewer { clientId } }", "constructor": {"prototype": {"x": 1}}}',
        `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
        `{"query": "{ viewer { clientId } }", "variables": ${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`,
        '{"query": "{ viewer { clientId } }"}\u0000',
        '\ufeff{"query": "{ viewer { clientId } }"}',
        Buffer.from([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
      ),
    );
    const contentType = fc.constantFrom(
      'application/json', 'application/json; charset=utf-8', 'application/graphql', 'application/graphql-response+json', 'text/plain',
      'application/json; charset=latin1', 'multipart/form-data', '', undefined,
    );
    const accept = fc.constantFrom(undefined, '*/*', 'application/json', 'application/graphql-response+json', 'text/html', 'application/xml;q=0.1', ';;;q=abc');
    const method = fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH');
    await fc.assert(
      fc.asyncProperty(body, contentType, accept, method, fc.constantFrom('/graphql', '/fulfiller/graphql'), async (b, type, acc, m, path) => {
        const headers: Record<string, string> = { authorization: `Bearer ${w.merchantToken}` };
        if (type !== undefined) headers['content-type'] = type;
        if (acc !== undefined) headers.accept = acc;
        let url = `${server.url}${path}`;
        // GET: the URL stays under Node's 16 KiB header limit (beyond it Node itself answers 431).
        if (m === 'GET') url += `?${new URLSearchParams({ query: String(b).slice(0, 1500), variables: String(b).slice(0, 500) })}`;
        const res = await fetch(url, { method: m, headers, body: m === 'GET' ? undefined : b, redirect: 'manual' });
        if (res.status === 302) {
          // A browser's GET without a query (Accept: text/html) is sent to GraphiQL: that is the one redirect.
          assert.ok(m === 'GET' && acc === 'text/html' && String(b).trim() === '', `unexpected redirect for ${m} ${acc} ${String(b).slice(0, 100)}`);
          assert.match(res.headers.get('location') ?? '', /\/graphiql$/);
          await res.arrayBuffer();
          requests += 1;
          return;
        }
        const r = await readResponse(res);
        if (typeof r.body === 'string' && r.headers.get('content-type')?.includes('json')) r.body = JSON.parse(r.body);
        check(`body ${m} ${type}`, String(b).slice(0, 300), r);
      }),
      { numRuns: RUNS * 2, seed: SEED },
    );
  });

  it('leaves the server alive and without uncaught exceptions', async () => {
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const viewer = await gql(server.url, w.merchantToken, '{ viewer { clientId } }');
    assert.equal(viewer.status, 200);
    assert.doesNotMatch(server.output(), /uncaught|unhandled|"level":60|FATAL/i);
    assert.deepEqual(findings, []);
  });
});
