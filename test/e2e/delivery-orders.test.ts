/**
 * Delivery orders (SPEC §8) end to end: an order with lines for two suppliers is split on opening; each supplier
 * sees only its part under its own id; one produces, the other rejects with a reason; the merchant's change is
 * refused while a part is in production, naming the lines and their delivery order; the merchant reads the reason
 * (deliveryOrders), reroutes the rejected part to the first supplier, both parts are dispatched and the order is
 * COMPLETED. Bad input is refused (at its index in a batch) and changes nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { gql } from '../support/graphql.ts';
import { createClient, createOrganization, createOrgWithClient, getToken } from '../support/oauth.ts';
import {
  createFulfillerWorld,
  createOrder,
  expectData,
  FULFILLER_PATH,
  fulfillerOrder,
  merchantOrder,
  settledRequest,
  updateOrders,
  updateOrdersOk,
  type FulfillerWorld,
} from '../support/fulfiller.ts';
import { FULFILLER_SCOPES } from '../support/scopes.ts';

const REJECT = `mutation($orders: [RejectOrderInput]) { core { rejectOrders(orders: $orders) { id status status_name items { id status } } } }`;
const REROUTE = `mutation($id: String!, $supplierId: String!) { deliveryOrderReroute(id: $id, supplierId: $supplierId) { id type state message } }`;
const DELIVERY_ORDERS = `query($orderId: String!) { deliveryOrders(orderId: $orderId) {
  id number orderId supplierId state status statusName reason reasonCode reroutedTo version
  lines { orderLineId sku quantity fulfilledQuantity status } events { type level message date } } }`;
const DELIVERY_SCOPES = 'view_orders edit_orders view_delivery_orders edit_delivery_orders';
const LINE = (sku: string, extra: Record<string, unknown> = {}) => ({ sku, label: sku, quantity: 2, price: 5, vatRate: 0.2, ...extra });

describe('delivery orders: one order, two suppliers', () => {
  let server: TestServer;
  let w: FulfillerWorld;
  let otherToken: string;
  let otherSupplier: string;
  let deliveryToken: string;
  let unconnected: string;
  let strangerToken: string;
  // The story's order and its parts' fulfiller ids, carried from the split to the reroute.
  let story: { id: string; number: number; mineId: number; theirsId: number };

  before(async () => {
    server = await startServer();
    w = await createFulfillerWorld(server);
    // Another supplier, one the merchant is not connected to, and another tenant (a merchant with the same scopes).
    const [other, lone, stranger] = await Promise.all([
      createOrganization(server, { kind: 'SUPPLIER' }),
      createOrganization(server, { kind: 'SUPPLIER' }),
      createOrgWithClient(server, { scopes: DELIVERY_SCOPES }),
    ]);
    [otherSupplier, unconnected] = [other.id, lone.id];
    // A merchant routes only to its default supplier and suppliers connected to it (when that rule is in force).
    const [client, deliveryClient] = await Promise.all([
      createClient(server, { org: otherSupplier, scopes: FULFILLER_SCOPES, access: [w.merchant.id] }),
      createClient(server, { org: w.merchant.id, scopes: DELIVERY_SCOPES }),
      server.cli(['org', 'connect', '--merchant', w.merchant.id, '--supplier', otherSupplier, '--json']).catch(() => undefined),
    ]);
    [otherToken, deliveryToken, strangerToken] = await Promise.all([
      getToken(server.url, client),
      getToken(server.url, deliveryClient),
      getToken(server.url, stranger.client),
    ]);
  });
  after(() => server?.stop());

  it('splits, shows each supplier only its part, refuses a started order’s change by line and part, and takes a rejection', async () => {
    const order = await createOrder(w, { lines: [LINE('A'), LINE('B'), LINE('C', { supplierId: otherSupplier })] });
    let m = await merchantOrder(w.url, w.merchantToken, order.id, 'number state status locked version lines { id sku status deliveryOrderId }');
    assert.equal(m.state, 'OPENED');
    assert.equal(m.status, 1);
    const [a, b, c] = m.lines;
    assert.equal(a.deliveryOrderId, b.deliveryOrderId);
    assert.notEqual(a.deliveryOrderId, c.deliveryOrderId);
    assert.ok(m.lines.every((l: { status: string }) => l.status === 'ACCEPTED'));

    // Each supplier lists only its own delivery order, with only its lines, under a number of its own.
    const mine = expectData(await gql(w.url, w.supplierToken, '{ core { orders { id ref items { id sku } } } }', {}, FULFILLER_PATH)).core.orders;
    const theirs = expectData(await gql(w.url, otherToken, '{ core { orders { id ref items { id sku } } } }', {}, FULFILLER_PATH)).core.orders;
    assert.equal(mine.length, 1);
    assert.equal(theirs.length, 1);
    assert.deepEqual(mine[0].items.map((i: { sku: string }) => i.sku), ['A', 'B']);
    assert.deepEqual(theirs[0].items.map((i: { sku: string }) => i.sku), ['C']);
    assert.equal(mine[0].ref, order.id);
    const [mineId, theirsId] = [mine[0].id as number, theirs[0].id as number];
    assert.ok(mineId !== order.number && theirsId !== order.number && mineId !== theirsId, 'a split order’s parts take fresh numbers');
    const foreign = await fulfillerOrder(w.url, w.supplierToken, theirsId, 'id');
    assert.equal(foreign.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');

    // One supplier starts production: the order is locked, its status that of the least advanced part.
    await updateOrdersOk(w.url, w.supplierToken, [{ id: mineId, status: 4, note: 'on the press' }]);
    m = await merchantOrder(w.url, w.merchantToken, order.id, 'state status locked lines { sku status }');
    assert.deepEqual([m.state, m.status, m.locked], ['OPENED', 1, true]);
    assert.deepEqual(m.lines.map((l: { status: string }) => l.status), ['IN_PROGRESS', 'IN_PROGRESS', 'ACCEPTED']);

    // The merchant's change is refused, naming the started lines and their delivery order.
    const upd = await gql(w.url, w.merchantToken, 'mutation($input: OrderInput!) { orderUpdate(input: $input) { id state } }', {
      input: { id: order.id, comment: 'too late' },
    });
    const settled = await settledRequest(w.url, w.merchantToken, expectData(upd).orderUpdate.id);
    assert.equal(settled.state, 'REJECTED');
    assert.match(settled.message, new RegExp(`production has started for line\\(s\\) 1, 2 of delivery order ${mineId}`));

    // Bad input, at its index, changing nothing: an empty reason, a part in production, a note too long.
    const bad = await gql(w.url, otherToken, REJECT, { orders: [{ id: theirsId, reason: '  ' }] }, FULFILLER_PATH);
    assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(bad.body.errors[0].message, /orders\[0\]\.reason/);
    const started = await gql(w.url, w.supplierToken, REJECT, { orders: [{ id: mineId, reason: 'no ink' }] }, FULFILLER_PATH);
    assert.equal(started.body.errors?.[0]?.extensions?.code, 'INVALID_STATUS_TRANSITION');
    const longNote = await updateOrders(w.url, w.supplierToken, [{ id: mineId, status: 256, note: 'x'.repeat(1001) }]);
    assert.equal(longNote.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(longNote.body.errors[0].message, /orders\[0\]\.note/);

    // The other supplier rejects its part with a reason; a second rejection is refused.
    const rejected = expectData(await gql(w.url, otherToken, REJECT, { orders: [{ id: theirsId, reason: 'out of stock', reason_code: 'OUT_OF_STOCK' }] }, FULFILLER_PATH));
    assert.equal(rejected.core.rejectOrders[0].id, theirsId);
    const again = await gql(w.url, otherToken, REJECT, { orders: [{ id: theirsId, reason: 'still out' }] }, FULFILLER_PATH);
    assert.equal(again.body.errors?.[0]?.extensions?.code, 'INVALID_STATUS_TRANSITION');
    const afterReject = await updateOrders(w.url, otherToken, [{ id: theirsId, status: 4 }]);
    assert.equal(afterReject.body.errors?.[0]?.extensions?.code, 'INVALID_STATUS_TRANSITION');

    // The first part is dispatched; the rejected part keeps the order OPENED until the merchant reroutes or cancels.
    await updateOrdersOk(w.url, w.supplierToken, [{ id: mineId, status: 8 }]);
    m = await merchantOrder(w.url, w.merchantToken, order.id, 'state status version lines { sku status } events { action }');
    assert.deepEqual([m.state, m.status], ['OPENED', 8]);
    assert.deepEqual(m.lines.map((l: { status: string }) => l.status), ['FULFILLED', 'FULFILLED', 'REJECTED']);
    assert.equal(m.version, m.events.length, 'version = history rows');
    story = { id: order.id, number: order.number, mineId, theirsId };
  });

  it('the merchant reads the reason, reroutes the rejected part to the first supplier, and the order completes', async () => {
    assert.ok(story, 'runs after the split story');
    const listed = () => gql(w.url, deliveryToken, DELIVERY_ORDERS, { orderId: story.id }).then((r) => expectData(r).deliveryOrders);
    const [mine, theirs] = await listed();
    assert.deepEqual([mine.number, mine.state, mine.status, mine.supplierId], [story.mineId, 'COMPLETED', 8, w.supplier.id]);
    assert.deepEqual([theirs.number, theirs.state, theirs.reason, theirs.reasonCode, theirs.reroutedTo], [story.theirsId, 'REJECTED', 'out of stock', 'OUT_OF_STOCK', null]);
    assert.deepEqual(theirs.lines.map((l: { sku: string; status: string }) => [l.sku, l.status]), [['C', 'REJECTED']]);
    const rejection = theirs.events.find((e: { type: string }) => e.type === 'FULFILLMENT_REJECTED');
    assert.equal(rejection?.level, 'WARNING');
    assert.match(rejection?.message, /out of stock/);
    assert.match(mine.events.map((e: { message: string }) => e.message).join('|'), /4 In Production: on the press/);
    // The event feed serves delivery-order events with the delivery order as it is when polled.
    const feed = expectData(await gql(w.url, deliveryToken, '{ events(types: ["delivery-order/rejected"]) { edges { node { header { type } body } } } }'));
    const bodies = feed.events.edges.map((e: { node: { body: { id: string; reason: string } } }) => e.node.body);
    assert.deepEqual(bodies.map((b: { id: string; reason: string }) => [b.id, b.reason]), [[theirs.id, 'out of stock']]);
    // The same parts hang off the order; without view_delivery_orders that field alone is refused.
    const viaOrder = await merchantOrder(w.url, deliveryToken, story.id, 'deliveryOrders { id state }');
    assert.deepEqual(viaOrder.deliveryOrders.map((d: { id: string }) => d.id), [mine.id, theirs.id]);
    const noScope = await gql(w.url, w.merchantToken, 'query($id: String!) { order(id: $id) { id deliveryOrders { id } } }', { id: story.id });
    assert.equal(noScope.body.errors?.[0]?.extensions?.code, 'INSUFFICIENT_SCOPE');
    assert.equal(noScope.body.data?.order?.id, story.id);

    // Another tenant's delivery order does not exist for it; bad reroutes are refused and write nothing.
    for (const r of [
      await gql(w.url, strangerToken, 'query($id: String!) { deliveryOrder(id: $id) { id } }', { id: theirs.id }),
      await gql(w.url, strangerToken, REROUTE, { id: theirs.id, supplierId: w.supplier.id }),
      await gql(w.url, strangerToken, DELIVERY_ORDERS, { orderId: story.id }),
    ]) {
      assert.equal(r.body.errors?.[0]?.extensions?.code, 'NOT_FOUND', JSON.stringify(r.body));
    }
    const before = await merchantOrder(w.url, deliveryToken, story.id, 'version');
    for (const [id, supplierId, code, field] of [
      [mine.id, otherSupplier, 'INVALID_STATUS_TRANSITION', /`id`.*only a REJECTED delivery order/],
      [theirs.id, otherSupplier, 'BAD_USER_INPUT', /`supplierId` must be another supplier/],
      [theirs.id, unconnected, 'BAD_USER_INPUT', /`supplierId` must be a supplier the merchant may route to/],
      [theirs.id, 'not-a-supplier', 'BAD_USER_INPUT', /`supplierId`/],
    ] as const) {
      const r = await gql(w.url, deliveryToken, REROUTE, { id, supplierId });
      assert.equal(r.body.errors?.[0]?.extensions?.code, code, JSON.stringify(r.body));
      assert.match(r.body.errors[0].message, field);
    }
    const noEdit = await gql(w.url, w.merchantToken, REROUTE, { id: theirs.id, supplierId: w.supplier.id });
    assert.equal(noEdit.body.errors?.[0]?.extensions?.code, 'INSUFFICIENT_SCOPE');
    assert.equal((await merchantOrder(w.url, deliveryToken, story.id, 'version')).version, before.version, 'nothing written');

    // The reroute goes through a dispatchable request, accepted by the worker while the other part is past production.
    const queued = expectData(await gql(w.url, deliveryToken, REROUTE, { id: theirs.id, supplierId: w.supplier.id })).deliveryOrderReroute;
    assert.deepEqual([queued.type, queued.state], ['REROUTE', 'PENDING']);
    const settled = await settledRequest(w.url, deliveryToken, queued.id);
    assert.equal(settled.state, 'ACCEPTED', settled.message);
    const [, old, fresh] = await listed();
    assert.deepEqual([old.state, old.reroutedTo, old.lines], ['REJECTED', fresh.id, []]);
    assert.equal(old.events.at(-1).type, 'REROUTED');
    for (const d of [old, fresh]) assert.equal(d.version, d.events.length, 'a delivery order’s version = its history rows');
    assert.deepEqual([fresh.supplierId, fresh.state, fresh.status], [w.supplier.id, 'PENDING', 1]);
    assert.deepEqual(fresh.lines.map((l: { sku: string; status: string }) => [l.sku, l.status]), [['C', 'ACCEPTED']]);
    assert.match(settled.message, new RegExp(`delivery order ${fresh.number}`));
    let m = await merchantOrder(w.url, deliveryToken, story.id, 'state status lines { sku status deliveryOrderId }');
    assert.deepEqual([m.state, m.status], ['OPENED', 1]);
    assert.equal(m.lines[2].deliveryOrderId, fresh.id);
    const again = await gql(w.url, deliveryToken, REROUTE, { id: theirs.id, supplierId: w.supplier.id });
    assert.equal(again.body.errors?.[0]?.extensions?.code, 'INVALID_STATUS_TRANSITION');

    // The first supplier now sees the rerouted part (only line C); the one that refused it does not.
    const items = await fulfillerOrder(w.url, w.supplierToken, fresh.number, 'id items { sku }');
    assert.deepEqual(expectData(items).core.order.items.map((i: { sku: string }) => i.sku), ['C']);
    const refuser = await fulfillerOrder(w.url, otherToken, fresh.number, 'id');
    assert.equal(refuser.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');

    // Both parts dispatched: the order is COMPLETED, every line FULFILLED, its version its history rows.
    await updateOrdersOk(w.url, w.supplierToken, [{ id: fresh.number, status: 513 }]);
    await updateOrdersOk(w.url, w.supplierToken, [{ id: fresh.number, status: 8 }]);
    m = await merchantOrder(w.url, deliveryToken, story.id, 'state status version lines { status } events { action }');
    assert.deepEqual([m.state, m.status], ['COMPLETED', 8]);
    assert.deepEqual(m.lines.map((l: { status: string }) => l.status), ['FULFILLED', 'FULFILLED', 'FULFILLED']);
    assert.equal(m.version, m.events.length, 'version = history rows');
    const done = await gql(w.url, deliveryToken, REROUTE, { id: theirs.id, supplierId: w.supplier.id });
    assert.equal(expectData(done).deliveryOrderReroute.state, 'REJECTED', 'a COMPLETED order refuses every change');
  });

  it('a single-supplier order keeps one delivery order under the order’s own number', async () => {
    const order = await createOrder(w);
    const [r] = await updateOrdersOk(w.url, w.supplierToken, [{ id: order.number, status: 513 }]);
    assert.equal(r.id, order.number);
    const m = await merchantOrder(w.url, w.merchantToken, order.id, 'status version lines { deliveryOrderId } events { action }');
    assert.equal(m.status, 513);
    assert.equal(m.version, m.events.length);
  });

  it('refuses a line supplierId that is not a supplier, naming the line', async () => {
    const r = await gql(w.url, w.merchantToken, 'mutation($input: OrderInput!) { orderCreate(input: $input) { id } }', {
      input: { state: 'OPENED', lines: [LINE('A'), LINE('B', { supplierId: w.merchant.id })] },
    });
    // The organizations module's routing rule answers (NOT_FOUND for a supplier the merchant may not route to).
    assert.ok(['BAD_USER_INPUT', 'NOT_FOUND'].includes(String(r.body.errors?.[0]?.extensions?.code)), JSON.stringify(r.body));
    assert.equal(r.body.data?.orderCreate ?? null, null);
  });
});
