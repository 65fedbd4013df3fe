/**
 * Who may see and change which orders on the Fulfiller API (SPEC §2, §5, §7): only OPENED and COMPLETED orders,
 * only with access to both the merchant and the supplier of the order — anything else is NOT_FOUND, exactly like
 * an order that does not exist — and only with the operation's scope (INSUFFICIENT_SCOPE naming it).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createClient, createOrganization, getToken, type OAuthClient, type Organization } from '../support/oauth.ts';
import { gql } from '../support/graphql.ts';
import { pollUntil } from '../support/poll.ts';
import {
  assertErrorAt,
  assertSingleError,
  createFulfillerWorld,
  createOrder,
  expectData,
  FULFILLER_PATH,
  fulfillerOrder,
  fulfillerOrders,
  merchantOrder,
  updateOrders,
  type CreatedOrder,
  type FulfillerWorld,
} from '../support/fulfiller.ts';
import { FULFILLER_SCOPES, MERCHANT_SCOPES } from '../support/scopes.ts';

const EDIT = 'order-it.order-manager.edit';
const VIEW = 'order-it.order-manager.view';
const MISSING = 1_999_999_999;

/** The NOT_FOUND message with the order's number blanked out, to compare messages across ids. */
const shape = (message: string, id: number) => message.split(String(id)).join('<id>');

describe('Fulfiller API: access', () => {
  let server: TestServer;
  let w: FulfillerWorld;
  let order: CreatedOrder; // OPENED, routed to w.supplier
  let notFoundShape: string;
  // Everyone else, created up front (CLI calls are the slow part of setup).
  let otherSupplier: Organization; // a second supplier
  let otherMerchant: Organization; // a second merchant, also routed to w.supplier
  let noAccessClient: OAuthClient; // w.supplier's client without access to the merchant
  let otherSupplierClient: OAuthClient; // otherSupplier's client with access to w.merchant
  let otherMerchantClient: OAuthClient;
  let viewOnly: OAuthClient;
  let editOnly: OAuthClient;

  before(async () => {
    server = await startServer();
    w = await createFulfillerWorld(server);
    [otherSupplier, otherMerchant] = await Promise.all([
      createOrganization(server, { kind: 'SUPPLIER' }),
      createOrganization(server, { kind: 'MERCHANT', defaultSupplier: w.supplier.id }),
    ]);
    [noAccessClient, otherSupplierClient, otherMerchantClient, viewOnly, editOnly] = await Promise.all([
      createClient(server, { org: w.supplier.id, scopes: FULFILLER_SCOPES }),
      createClient(server, { org: otherSupplier.id, scopes: FULFILLER_SCOPES, access: [w.merchant.id] }),
      createClient(server, { org: otherMerchant.id, scopes: MERCHANT_SCOPES }),
      createClient(server, { org: w.supplier.id, scopes: VIEW, access: [w.merchant.id] }),
      createClient(server, { org: w.supplier.id, scopes: EDIT, access: [w.merchant.id] }),
    ]);
    // otherSupplier may receive w.merchant's orders routed with supplierId.
    await server.cli(['org', 'connect', '--merchant', w.merchant.id, '--supplier', otherSupplier.id, '--json']);
    order = await createOrder(w);
    const r = await updateOrders(w.url, w.supplierToken, [{ id: MISSING, status: 4 }]);
    const e = assertSingleError(r, { code: 'NOT_FOUND', path: ['core', 'updateOrders', 0] });
    notFoundShape = shape(e.message, MISSING);
  });
  after(() => server?.stop());

  /** Asserts that `token` gets NOT_FOUND for `o` on update, `order(id)` and `orders`, and the order is unchanged. */
  async function assertInvisible(token: string, o: CreatedOrder, merchantToken = w.merchantToken, status = 4) {
    const before = await merchantOrder(w.url, merchantToken, o.id);
    const u = await updateOrders(w.url, token, [{ id: o.number, status, shipping_carrier: 'Sneaky' }]);
    assert.deepEqual(u.body.data, { core: { updateOrders: [null] } }, JSON.stringify(u.body));
    const e = assertSingleError(u, { code: 'NOT_FOUND', path: ['core', 'updateOrders', 0] });
    assert.equal(shape(e.message, o.number), notFoundShape, 'same answer as for an order that does not exist');

    const one = await fulfillerOrder(w.url, token, o.number, 'id');
    const e2 = assertSingleError(one, { code: 'NOT_FOUND', path: ['core', 'order'] });
    assert.equal(shape(e2.message, o.number), notFoundShape);
    assert.equal(one.body.data?.core?.order ?? null, null);

    const list = expectData(await fulfillerOrders(w.url, token, { ids: [o.number] }), 'core.orders');
    assert.deepEqual(list.core.orders, []);
    const all = expectData(await fulfillerOrders(w.url, token, { limit: 500 }), 'core.orders');
    assert.ok(!all.core.orders.some((x: any) => x.id === o.number), 'not listed');

    assert.deepEqual(await merchantOrder(w.url, merchantToken, o.id), before, 'unchanged');
  }

  it('the supplier client sees the OPENED order', async () => {
    const r = expectData(await fulfillerOrder(w.url, w.supplierToken, order.number, 'id status'));
    assert.deepEqual(r.core.order, { id: order.number, status: 1 });
  });

  it('hides DRAFT orders: NOT_FOUND, as if they did not exist', async () => {
    const draft = await createOrder(w, { state: 'DRAFT' });
    assert.equal(draft.state, 'DRAFT');
    await assertInvisible(w.supplierToken, draft);
  });

  it('shows an order once the merchant opens it, and still once COMPLETED', async () => {
    const draft = await createOrder(w, { state: 'DRAFT' });
    const open = await gql(w.url, w.merchantToken, 'mutation($id: String!) { orderOpen(id: $id) { id state } }', { id: draft.id });
    expectData(open, 'orderOpen');
    await pollUntil(async () => (await merchantOrder(w.url, w.merchantToken, draft.id, 'state')).state === 'OPENED', {
      timeoutMs: 15_000,
      message: 'order not opened',
    });
    const r = await updateOrders(w.url, w.supplierToken, [{ id: draft.number, status: 8 }]);
    assert.equal(expectData(r).core.updateOrders[0].status, 8);
    const seen = expectData(await fulfillerOrder(w.url, w.supplierToken, draft.number, 'id status'));
    assert.deepEqual(seen.core.order, { id: draft.number, status: 8 });
  });

  it('a client of the supplier without access to the merchant gets NOT_FOUND', async () => {
    await assertInvisible(await getToken(w.url, noAccessClient), order);
  });

  it('a token narrowed to the supplier organization only gets NOT_FOUND', async () => {
    const token = await getToken(w.url, w.supplierClient, { organizationId: w.supplier.id });
    await assertInvisible(token, order);
  });

  it('a different supplier, even with access to the merchant, gets NOT_FOUND', async () => {
    await assertInvisible(await getToken(w.url, otherSupplierClient), order);
  });

  it("an order routed to another supplier (supplierId) is NOT_FOUND for the merchant's default supplier", async () => {
    const routed = await createOrder(w, { supplierId: otherSupplier.id });
    await assertInvisible(w.supplierToken, routed);
    // ...and visible to the supplier it was routed to, given access to the merchant.
    const token = await getToken(w.url, otherSupplierClient);
    const r = expectData(await updateOrders(w.url, token, [{ id: routed.number, status: 4 }]));
    assert.equal(r.core.updateOrders[0].status, 4);
  });

  it("another merchant's orders are NOT_FOUND for this supplier's client", async () => {
    const merchantToken = await getToken(w.url, otherMerchantClient);
    const foreign = await createOrder({ url: w.url, merchantToken });
    await assertInvisible(w.supplierToken, foreign, merchantToken);
  });

  it('a refused move on an order of someone else is NOT_FOUND, not INVALID_STATUS_TRANSITION (nothing leaks)', async () => {
    const routed = await createOrder(w, { supplierId: otherSupplier.id });
    const owner = await getToken(w.url, otherSupplierClient);
    expectData(await updateOrders(w.url, owner, [{ id: routed.number, status: 8 }]));
    // w.supplier may access the merchant but not otherSupplier: 8 → 4 would be refused, but it must not say so.
    await assertInvisible(w.supplierToken, routed, w.merchantToken, 4);
    // Nor does an unknown status code reveal anything beyond what any caller gets.
    const r = await updateOrders(w.url, w.supplierToken, [{ id: routed.number, status: 3 }]);
    const rMissing = await updateOrders(w.url, w.supplierToken, [{ id: MISSING, status: 3 }]);
    assert.equal(r.body.errors?.[0]?.extensions?.code, rMissing.body.errors?.[0]?.extensions?.code);
  });

  it('in a batch, the inaccessible order is NOT_FOUND at its index and the accessible one is applied', async () => {
    const draft = await createOrder(w, { state: 'DRAFT' });
    const mine = await createOrder(w);
    const r = await updateOrders(w.url, w.supplierToken, [{ id: draft.number, status: 4 }, { id: mine.number, status: 4 }]);
    assert.equal(r.body.data?.core.updateOrders[0], null);
    assert.equal(r.body.data?.core.updateOrders[1]?.status, 4);
    assertErrorAt(r.body, { path: ['core', 'updateOrders', 0], code: 'NOT_FOUND' });
  });

  describe('scopes', () => {
    it(`updateOrders without ${EDIT} is INSUFFICIENT_SCOPE naming it, and changes nothing`, async () => {
      const before = await merchantOrder(w.url, w.merchantToken, order.id);
      for (const token of [await getToken(w.url, viewOnly), await getToken(w.url, w.supplierClient, { scope: VIEW })]) {
        const r = await updateOrders(w.url, token, [{ id: order.number, status: 4 }]);
        const e = assertSingleError(r, { code: 'INSUFFICIENT_SCOPE' });
        assert.ok(e.message.includes(EDIT), e.message);
        assert.equal(r.body.data?.core?.updateOrders ?? null, null);
      }
      assert.deepEqual(await merchantOrder(w.url, w.merchantToken, order.id), before);
    });

    it(`core.orders and core.order without ${VIEW} are INSUFFICIENT_SCOPE naming it`, async () => {
      for (const token of [await getToken(w.url, editOnly), await getToken(w.url, w.supplierClient, { scope: EDIT })]) {
        const list = await fulfillerOrders(w.url, token);
        const e = assertSingleError(list, { code: 'INSUFFICIENT_SCOPE' });
        assert.ok(e.message.includes(VIEW), e.message);
        const one = await fulfillerOrder(w.url, token, order.number, 'id');
        const e2 = assertSingleError(one, { code: 'INSUFFICIENT_SCOPE' });
        assert.ok(e2.message.includes(VIEW), e2.message);
      }
    });

    it('an edit-only client may still update', async () => {
      const o = await createOrder(w);
      const r = expectData(await updateOrders(w.url, await getToken(w.url, editOnly), [{ id: o.number, status: 512 }]));
      assert.equal(r.core.updateOrders[0].status, 512);
    });

    it('a merchant token (no order-it scopes) is INSUFFICIENT_SCOPE on both, even for its own orders', async () => {
      const own = await createOrder(w);
      const u = await updateOrders(w.url, w.merchantToken, [{ id: own.number, status: 4 }]);
      assert.ok(assertSingleError(u, { code: 'INSUFFICIENT_SCOPE' }).message.includes(EDIT));
      const q = await fulfillerOrders(w.url, w.merchantToken);
      assert.ok(assertSingleError(q, { code: 'INSUFFICIENT_SCOPE' }).message.includes(VIEW));
      const one = await fulfillerOrder(w.url, w.merchantToken, own.number, 'id');
      assert.ok(assertSingleError(one, { code: 'INSUFFICIENT_SCOPE' }).message.includes(VIEW));
      assert.equal((await merchantOrder(w.url, w.merchantToken, own.id)).status, 1);
    });

    it('the scope is checked before anything else: a bad batch without the scope is still INSUFFICIENT_SCOPE', async () => {
      const token = await getToken(w.url, viewOnly);
      const r = await updateOrders(w.url, token, [null, { id: MISSING, status: 3 }]);
      const e = assertSingleError(r, { code: 'INSUFFICIENT_SCOPE' });
      assert.ok(e.message.includes(EDIT));
    });
  });

  it('no token → 401 with a Bearer challenge; a bad token → 401 invalid_token', async () => {
    const none = await gql(w.url, undefined, '{ core { orders { id } } }', undefined, FULFILLER_PATH);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm="ordergraph"/);
    const bad = await gql(w.url, 'not-a-token', '{ core { orders { id } } }', undefined, FULFILLER_PATH);
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });
});
