/**
 * Who may do what on the Orders API (SPEC §2, §4, §7): each operation without its scope is INSUFFICIENT_SCOPE
 * with the scope named, and changes nothing; another organization's order — by id, by external reference, in
 * lists, through its dispatchable requests, and as the target of every mutation — is answered exactly like a
 * missing one (NOT_FOUND, same message shape, same extensions) and never shows up. A client granted access to a
 * merchant (`--access`) may act on its orders; without a token nothing runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createClient, getToken } from '../support/oauth.ts';
import { gql } from '../support/graphql.ts';
import {
  createTenant,
  expectGraphQLError,
  orderInput,
  OrdersApi,
  uniqueRef,
  type DispatchableRequest,
  type Gql,
  type Order,
  type Tenant,
} from '../support/orders-api.ts';

const MISSING_ID = '00000000-0000-4000-8000-00000000f00d';

/** The error of a refused call with the given identifier replaced by `<id>`, to compare answers' shapes. */
function shape(r: Gql, id: string): unknown {
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(r.body.errors?.length, `expected an error: ${JSON.stringify(r.body)}`);
  const { locations: _l, ...error } = r.body.errors![0] as Record<string, unknown>;
  return { data: r.body.data ?? null, error: JSON.parse(JSON.stringify(error).split(id).join('<id>')) };
}

/** Asserts `foreign` (about another tenant's `foreignId`) answers exactly like `missing` (about `missingId`). */
function assertSameAsMissing(foreign: Gql, foreignId: string, missing: Gql, missingId: string): void {
  const expected = shape(missing, missingId);
  assert.equal((expected as { error: { extensions: { code: string } } }).error.extensions.code, 'NOT_FOUND', JSON.stringify(missing.body));
  assert.deepEqual(shape(foreign, foreignId), expected);
  assert.ok(!JSON.stringify(foreign.body).includes('organization'), `the answer must not hint at the owner: ${JSON.stringify(foreign.body)}`);
}

describe('Orders API access control', () => {
  let server: TestServer;
  let a: Tenant; // owns the orders
  let b: Tenant; // another merchant with every scope
  let draft: Order;
  let opened: Order;
  let aRequest: DispatchableRequest;

  before(async () => {
    server = await startServer();
    [a, b] = await Promise.all([createTenant(server), createTenant(server)]);
    draft = await a.api.create(orderInput({ comment: 'A draft' }));
    opened = await a.api.create(orderInput({ state: 'OPENED', comment: 'A opened' }));
    aRequest = await a.api.update({ id: draft.id, invoiceNumber: 'INV-A' });
    draft = await a.api.order(draft.id);
  });
  after(() => server?.stop());

  describe('scopes', () => {
    /** A client of A's merchant with only `scopes`. */
    async function apiWith(scopes: string): Promise<OrdersApi> {
      const client = await createClient(server, { org: a.merchant.id, scopes });
      return new OrdersApi(server.url, await getToken(server.url, client));
    }

    test('orderCreate without create_orders → INSUFFICIENT_SCOPE naming create_orders; nothing created', async () => {
      const api = await apiWith('view_orders edit_orders');
      const ref = uniqueRef('NOSCOPE');
      const r = await api.tryCreate(orderInput({ externalReference: ref }));
      const e = expectGraphQLError(r, 'INSUFFICIENT_SCOPE', ['create_orders'], { field: 'orderCreate' });
      assert.doesNotMatch(e.message, /edit_orders|view_orders/);
      expectGraphQLError(await a.api.tryOrderByRef(ref), 'NOT_FOUND');
    });

    test('each edit mutation without edit_orders → INSUFFICIENT_SCOPE naming edit_orders; nothing changes', async () => {
      const api = await apiWith('view_orders create_orders');
      const calls: [string, Gql][] = [
        ['orderUpdate', await api.tryUpdate({ id: draft.id, comment: 'no scope' })],
        ['orderUpdate', await api.tryUpdate({ id: opened.id, comment: 'no scope' })],
        ['orderOpen', await api.tryOpen(draft.id)],
        ['orderCancel', await api.tryCancel(draft.id)],
        ['orderCancel', await api.tryCancel(opened.id)],
        ['orderRequestFulfillment', await api.tryRequestFulfillment(draft.id)],
      ];
      for (const [field, r] of calls) expectGraphQLError(r, 'INSUFFICIENT_SCOPE', ['edit_orders'], { field });
      const d = await a.api.order(draft.id);
      const o = await a.api.order(opened.id);
      assert.equal(d.version, draft.version);
      assert.equal(d.state, 'DRAFT');
      assert.equal(o.version, opened.version);
      assert.equal(o.comment, 'A opened');
    });

    test('each query without view_orders → INSUFFICIENT_SCOPE naming view_orders', async () => {
      const api = await apiWith('create_orders edit_orders');
      expectGraphQLError(await api.tryOrder(draft.id), 'INSUFFICIENT_SCOPE', ['view_orders'], { field: 'order' });
      expectGraphQLError(await api.tryOrderByRef(draft.externalReference!), 'INSUFFICIENT_SCOPE', ['view_orders'], { field: 'order' });
      expectGraphQLError(await api.tryOrders(), 'INSUFFICIENT_SCOPE', ['view_orders']);
      expectGraphQLError(await api.tryRequest(aRequest.id), 'INSUFFICIENT_SCOPE', ['view_orders'], { field: 'dispatchableRequest' });
    });

    test('a create_orders-only client can create but not read back the order it created', async () => {
      const api = await apiWith('create_orders');
      const order = await api.create(orderInput());
      assert.equal(order.state, 'DRAFT');
      expectGraphQLError(await api.tryOrder(order.id), 'INSUFFICIENT_SCOPE', ['view_orders']);
    });

    test('a token narrowed with `scope` loses the other scopes of its client', async () => {
      const token = await getToken(server.url, a.merchantClient, { scope: 'view_orders' });
      const api = new OrdersApi(server.url, token);
      assert.equal((await api.order(draft.id)).id, draft.id);
      expectGraphQLError(await api.tryUpdate({ id: draft.id, comment: 'narrowed' }), 'INSUFFICIENT_SCOPE', ['edit_orders']);
      expectGraphQLError(await api.tryCreate(orderInput()), 'INSUFFICIENT_SCOPE', ['create_orders']);
    });

    test('Fulfiller scopes do not open the Orders API', async () => {
      const api = new OrdersApi(server.url, a.supplierToken);
      expectGraphQLError(await api.tryOrder(opened.id), 'INSUFFICIENT_SCOPE', ['view_orders']);
      expectGraphQLError(await api.tryCancel(opened.id), 'INSUFFICIENT_SCOPE', ['edit_orders']);
    });

    test('the scope check comes before the order lookup (no existence oracle for scope-less tokens)', async () => {
      const api = await apiWith('view_orders');
      const known = await api.tryCancel(draft.id);
      const unknown = await api.tryCancel(MISSING_ID);
      expectGraphQLError(known, 'INSUFFICIENT_SCOPE');
      assert.deepEqual(shape(known, draft.id), shape(unknown, MISSING_ID));
    });
  });

  describe("another organization's orders answer exactly like missing ones", () => {
    test('order(id)', async () => {
      assertSameAsMissing(await b.api.tryOrder(draft.id), draft.id, await b.api.tryOrder(MISSING_ID), MISSING_ID);
      assertSameAsMissing(await b.api.tryOrder(opened.id), opened.id, await b.api.tryOrder(MISSING_ID), MISSING_ID);
    });

    test('order(byExternalReference)', async () => {
      const missingRef = uniqueRef('ORD');
      assertSameAsMissing(await b.api.tryOrderByRef(draft.externalReference!), draft.externalReference!, await b.api.tryOrderByRef(missingRef), missingRef);
    });

    test('dispatchableRequest(id)', async () => {
      assertSameAsMissing(await b.api.tryRequest(aRequest.id), aRequest.id, await b.api.tryRequest(MISSING_ID), MISSING_ID);
    });

    test('orderUpdate by id and by externalReference', async () => {
      assertSameAsMissing(
        await b.api.tryUpdate({ id: draft.id, comment: 'hijack' }),
        draft.id,
        await b.api.tryUpdate({ id: MISSING_ID, comment: 'hijack' }),
        MISSING_ID,
      );
      assertSameAsMissing(
        await b.api.tryUpdate({ id: opened.id, comment: 'hijack' }),
        opened.id,
        await b.api.tryUpdate({ id: MISSING_ID, comment: 'hijack' }),
        MISSING_ID,
      );
      const missingRef = uniqueRef('ORD');
      assertSameAsMissing(
        await b.api.tryUpdate({ externalReference: draft.externalReference, comment: 'hijack' }),
        draft.externalReference!,
        await b.api.tryUpdate({ externalReference: missingRef, comment: 'hijack' }),
        missingRef,
      );
    });

    test('orderUpdate naming the other organization explicitly', async () => {
      const r = await b.api.tryUpdate({ externalReference: draft.externalReference, organizationId: a.merchant.id, comment: 'hijack' });
      assert.ok(r.body.errors, JSON.stringify(r.body));
      assert.ok(['NOT_FOUND', 'FORBIDDEN'].includes(r.body.errors![0].extensions?.code as string), JSON.stringify(r.body));
    });

    for (const m of ['Open', 'Cancel', 'RequestFulfillment'] as const) {
      test(`order${m}`, async () => {
        const call = (id: string) => b.api[`try${m}`](id);
        assertSameAsMissing(await call(draft.id), draft.id, await call(MISSING_ID), MISSING_ID);
        assertSameAsMissing(await call(opened.id), opened.id, await call(MISSING_ID), MISSING_ID);
      });
    }

    test('orderCreate into another organization (organizationId) answers like an unknown organization', async () => {
      const missingOrg = '00000000-0000-4000-8000-00000000beef';
      const ref = uniqueRef('FOREIGN');
      const foreign = await b.api.tryCreate(orderInput({ organizationId: a.merchant.id, externalReference: ref }));
      const missing = await b.api.tryCreate(orderInput({ organizationId: missingOrg, externalReference: ref }));
      assert.deepEqual(shape(foreign, a.merchant.id), shape(missing, missingOrg));
      assert.equal(foreign.body.errors![0].extensions?.code, 'NOT_FOUND');
      expectGraphQLError(await a.api.tryOrderByRef(ref), 'NOT_FOUND', [], { field: 'order' });
    });

    test("none of those attempts changed A's orders", async () => {
      const d = await a.api.order(draft.id);
      const o = await a.api.order(opened.id);
      assert.equal(d.version, draft.version);
      assert.equal(d.comment, 'A draft');
      assert.equal(d.state, 'DRAFT');
      assert.deepEqual(d.events, draft.events);
      assert.equal(o.version, opened.version);
      assert.equal(o.state, 'OPENED');
      assert.equal(o.status, 1);
    });

    test("A's orders never appear in B's lists, whatever the filter", async () => {
      const mine = await b.api.create(orderInput());
      const filters: Record<string, unknown>[] = [
        {},
        { state: 'DRAFT' },
        { state: 'OPENED' },
        { status: 1 },
        { externalReference: draft.externalReference },
        { externalReference: opened.externalReference },
        { priority: 'NORMAL' },
        { createdAfter: '2000-01-01T00:00:00Z' },
      ];
      for (const filter of filters) {
        const walk = await b.api.allOrders(filter, 100);
        const seen = walk.nodes.map((n) => n.id);
        assert.ok(!seen.includes(draft.id) && !seen.includes(opened.id), `A's order leaked with ${JSON.stringify(filter)}`);
        assert.ok(seen.every((id) => id === mine.id), `only B's order may show: ${JSON.stringify(filter)}`);
        assert.equal(walk.totalCount, seen.length, 'totalCount counts only what the token may see');
      }
      const aList = await a.api.allOrders({}, 100);
      assert.ok(!aList.nodes.some((n) => n.id === mine.id), "B's order is not in A's list");
    });

    test("B's token narrowed to B's organization still cannot reach A", async () => {
      const token = await getToken(server.url, b.merchantClient, { organizationId: b.merchant.id });
      const api = new OrdersApi(server.url, token);
      assertSameAsMissing(await api.tryOrder(draft.id), draft.id, await api.tryOrder(MISSING_ID), MISSING_ID);
    });
  });

  describe('access granted with --access', () => {
    test("a client of another organization with access to A's merchant may read and change A's orders", async () => {
      const integrator = await createClient(server, { org: b.merchant.id, scopes: 'view_orders edit_orders', access: [a.merchant.id] });
      const api = new OrdersApi(server.url, await getToken(server.url, integrator));
      assert.equal((await api.order(draft.id)).id, draft.id);
      assert.equal((await api.orderByRef(draft.externalReference!)).id, draft.id, 'external references resolve in accessible organizations');
      const list = await api.allOrders({}, 100);
      assert.ok(list.nodes.some((n) => n.id === draft.id));
      const other = await a.api.create(orderInput());
      const req = await api.update({ id: other.id, comment: 'by integrator' });
      assert.equal(req.state, 'ACCEPTED');
      const read = await a.api.order(other.id);
      assert.equal(read.comment, 'by integrator');
      assert.equal(read.events!.at(-1)!.clientId, integrator.client_id, 'the history names the integrator');

      // By external reference in the accessible organization, naming it with organizationId.
      const byRef = await api.update({ externalReference: other.externalReference, organizationId: a.merchant.id, invoiceNumber: 'INV-INTEGRATOR' });
      assert.equal(byRef.state, 'ACCEPTED');
      assert.equal(byRef.orderId, other.id);
      assert.equal((await a.api.order(other.id)).invoiceNumber, 'INV-INTEGRATOR');
    });

    test('a client with access to A may create orders for A with organizationId', async () => {
      const integrator = await createClient(server, { org: b.merchant.id, scopes: 'view_orders create_orders', access: [a.merchant.id] });
      const api = new OrdersApi(server.url, await getToken(server.url, integrator));
      const order = await api.create(orderInput({ organizationId: a.merchant.id }));
      assert.equal(order.organizationId, a.merchant.id);
      assert.equal((await a.api.order(order.id)).id, order.id, 'the order belongs to A');
      expectGraphQLError(await b.api.tryOrder(order.id), 'NOT_FOUND', [], { field: 'order' });
    });

    test('the supplier client (access to the merchant) still needs view_orders on the Orders API', async () => {
      const api = new OrdersApi(server.url, a.supplierToken);
      expectGraphQLError(await api.tryOrders(), 'INSUFFICIENT_SCOPE', ['view_orders']);
    });
  });

  describe('no token', () => {
    test('every operation is HTTP 401 before any GraphQL runs', async () => {
      const r = await gql(server.url, undefined, 'mutation($id: String!) { orderCancel(id: $id) { id } }', { id: draft.id });
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer realm="ordergraph"/);
      const bad = await gql(server.url, 'not.a.token', '{ orders { totalCount } }');
      assert.equal(bad.status, 401);
      assert.match(bad.headers.get('www-authenticate') ?? '', /invalid_token/);
      assert.equal((await a.api.order(draft.id)).state, 'DRAFT');
    });
  });
});
