/**
 * The order lifecycle on the Orders API (SPEC §4 table): `orderOpen`, `orderCancel` and `orderRequestFulfillment`
 * on DRAFT, OPENED and COMPLETED orders, and the asynchronous reject path — an OPENED order whose production has
 * started (the supplier set status 4 In Production through the Fulfiller API) refuses `orderUpdate` and
 * `orderCancel`: PENDING, then REJECTED with a message about production having started.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { gql } from '../support/graphql.ts';
import {
  changesOf,
  createTenant,
  eventsOf,
  expectGraphQLError,
  fulfillerSetStatus,
  orderInput,
  startProduction,
  type DispatchableRequest,
  type Order,
  type Tenant,
} from '../support/orders-api.ts';

function assertRequest(req: DispatchableRequest, type: string, state: string, order: Pick<Order, 'id'>): void {
  assert.equal(req.type, type, JSON.stringify(req));
  assert.equal(req.state, state, JSON.stringify(req));
  assert.equal(req.orderId, order.id);
  if (state === 'PENDING') assert.equal(req.completedAt, null);
  else assert.ok(req.completedAt, `a ${state} request has completedAt`);
}

describe('order lifecycle', () => {
  let server: TestServer;
  let t: Tenant;
  let noDefault: Tenant;

  before(async () => {
    server = await startServer();
    [t, noDefault] = await Promise.all([createTenant(server), createTenant(server, { defaultSupplier: false })]);
  });
  after(() => server?.stop());

  /** A COMPLETED order (a cancelled DRAFT). */
  async function completedOrder(): Promise<Order> {
    const order = await t.api.create(orderInput());
    await t.api.cancel(order.id);
    const read = await t.api.order(order.id);
    assert.equal(read.state, 'COMPLETED');
    return read;
  }

  describe('orderOpen', () => {
    test('DRAFT → PENDING, then OPENED: routed to the default supplier, status 1 Received, lines ACCEPTED', async () => {
      const order = await t.api.create(orderInput({ lines: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 2 }] }));
      const req = await t.api.open(order.id);
      assertRequest(req, 'OPEN', 'PENDING', order);
      const settled = await t.api.settled(req.id);
      assertRequest(settled, 'OPEN', 'ACCEPTED', order);
      assert.equal(settled.id, req.id);

      const read = await t.api.order(order.id);
      assert.equal(read.state, 'OPENED');
      assert.equal(read.status, 1);
      assert.equal(read.statusName, 'Received');
      assert.equal(read.supplierId, t.supplier.id);
      assert.deepEqual(read.lines.map((l) => l.status), ['ACCEPTED', 'ACCEPTED']);
      assert.equal(read.version, order.version + 1);
      const opened = eventsOf(read, 'opened');
      assert.equal(opened.length, 1);
      assert.deepEqual(changesOf(opened[0]).state, { from: 'DRAFT', to: 'OPENED' });
      assert.deepEqual(changesOf(opened[0]).status, { from: 0, to: 1 });
    });

    test('the opened order is visible to its supplier on the Fulfiller API', async () => {
      const order = await t.api.create(orderInput());
      await t.api.settled((await t.api.open(order.id)).id);
      const r = await gql(server.url, t.supplierToken, 'query($id: Int!) { core { order(id: $id) { id ref status status_name } } }', { id: order.number }, { path: '/fulfiller/graphql' });
      assert.equal(r.body.errors, undefined, JSON.stringify(r.body));
      assert.deepEqual(r.body.data.core.order, { id: order.number, ref: order.id, status: 1, status_name: 'Received' });
    });

    test('OPENED → ACCEPTED at once, a no-op', async () => {
      const order = await t.api.create(orderInput({ state: 'OPENED' }));
      const req = await t.api.open(order.id);
      assertRequest(req, 'OPEN', 'ACCEPTED', order);
      const read = await t.api.order(order.id);
      assert.equal(read.version, order.version, 'nothing changed');
      assert.equal(read.state, 'OPENED');
      assert.equal(eventsOf(read, 'opened').length, 1);
    });

    test('COMPLETED → REJECTED with the reason', async () => {
      const order = await completedOrder();
      const req = await t.api.open(order.id);
      assertRequest(req, 'OPEN', 'REJECTED', order);
      assert.match(req.message ?? '', /COMPLETED/);
      const read = await t.api.order(order.id);
      assert.equal(read.state, 'COMPLETED');
      assert.equal(read.version, order.version);
    });

    test('a DRAFT order with no supplier to route to: PENDING, then REJECTED naming supplierId', async () => {
      const order = await noDefault.api.create(orderInput());
      const req = await noDefault.api.open(order.id);
      assertRequest(req, 'OPEN', 'PENDING', order);
      const settled = await noDefault.api.settled(req.id);
      assertRequest(settled, 'OPEN', 'REJECTED', order);
      assert.match(settled.message ?? '', /supplierId/);
      const read = await noDefault.api.order(order.id);
      assert.equal(read.state, 'DRAFT');
      assert.equal(read.version, order.version);
    });

    test('an unknown id is NOT_FOUND', async () => {
      expectGraphQLError(await t.api.tryOpen('00000000-0000-4000-8000-000000000001'), 'NOT_FOUND', [], { field: 'orderOpen' });
    });
  });

  describe('orderCancel', () => {
    test('DRAFT → ACCEPTED at once: COMPLETED, lines CANCELED, status 128', async () => {
      const order = await t.api.create(orderInput({ lines: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }] }));
      const req = await t.api.cancel(order.id);
      assertRequest(req, 'CANCEL', 'ACCEPTED', order);
      const read = await t.api.order(order.id); // synchronous: no waiting
      assert.equal(read.state, 'COMPLETED');
      assert.equal(read.status, 128);
      assert.equal(read.statusName, 'Cancelled');
      assert.deepEqual(read.lines.map((l) => l.status), ['CANCELED', 'CANCELED']);
      assert.equal(read.version, order.version + 1);
      const cancelled = eventsOf(read, 'cancelled');
      assert.equal(cancelled.length, 1);
      assert.equal(cancelled[0].clientId, t.merchantClient.client_id);
      assert.deepEqual(changesOf(cancelled[0]).state, { from: 'DRAFT', to: 'COMPLETED' });
    });

    test('OPENED → PENDING, then COMPLETED with status 128 Cancelled', async () => {
      const order = await t.api.create(orderInput({ state: 'OPENED' }));
      const req = await t.api.cancel(order.id);
      assertRequest(req, 'CANCEL', 'PENDING', order);
      const settled = await t.api.settled(req.id);
      assertRequest(settled, 'CANCEL', 'ACCEPTED', order);
      const read = await t.api.order(order.id);
      assert.equal(read.state, 'COMPLETED');
      assert.equal(read.status, 128);
      assert.equal(read.statusName, 'Cancelled');
      assert.ok(read.lines.every((l) => l.status === 'CANCELED'), JSON.stringify(read.lines));
      assert.deepEqual(changesOf(eventsOf(read, 'cancelled')[0]).status, { from: 1, to: 128 });
    });

    test('an OPENED order sent to the supplier (512) can still be cancelled', async () => {
      const order = await t.api.create(orderInput({ state: 'OPENED' }));
      await t.api.settled((await t.api.requestFulfillment(order.id)).id);
      const settled = await t.api.settled((await t.api.cancel(order.id)).id);
      assert.equal(settled.state, 'ACCEPTED', JSON.stringify(settled));
      const read = await t.api.order(order.id);
      assert.equal(read.status, 128);
      assert.equal(read.state, 'COMPLETED');
    });

    test('COMPLETED → REJECTED with the reason', async () => {
      const order = await completedOrder();
      const req = await t.api.cancel(order.id);
      assertRequest(req, 'CANCEL', 'REJECTED', order);
      assert.match(req.message ?? '', /COMPLETED/);
      assert.equal((await t.api.order(order.id)).version, order.version);
    });
  });

  describe('orderRequestFulfillment', () => {
    test('DRAFT → PENDING: opens the order first, then status 512 Sent to Supplier', async () => {
      const order = await t.api.create(orderInput());
      const req = await t.api.requestFulfillment(order.id);
      assertRequest(req, 'REQUEST_FULFILLMENT', 'PENDING', order);
      const settled = await t.api.settled(req.id);
      assertRequest(settled, 'REQUEST_FULFILLMENT', 'ACCEPTED', order);
      const read = await t.api.order(order.id);
      assert.equal(read.state, 'OPENED');
      assert.equal(read.supplierId, t.supplier.id);
      assert.equal(read.status, 512);
      assert.equal(read.statusName, 'Sent to Supplier');
      assert.ok(read.lines.every((l) => l.status === 'ACCEPTED'));
      const actions = read.events!.map((e) => e.action);
      assert.ok(actions.indexOf('opened') > 0, `opened first: ${actions}`);
      assert.ok(actions.length >= 3, `created, opened, then the status move: ${actions}`);
      const last = read.events!.at(-1)!;
      assert.deepEqual(changesOf(last).status, { from: 1, to: 512 });
    });

    test('OPENED → PENDING, then status 512 Sent to Supplier', async () => {
      const order = await t.api.create(orderInput({ state: 'OPENED' }));
      const req = await t.api.requestFulfillment(order.id);
      assertRequest(req, 'REQUEST_FULFILLMENT', 'PENDING', order);
      const settled = await t.api.settled(req.id);
      assertRequest(settled, 'REQUEST_FULFILLMENT', 'ACCEPTED', order);
      const read = await t.api.order(order.id);
      assert.equal(read.state, 'OPENED');
      assert.equal(read.status, 512);
      assert.equal(read.statusName, 'Sent to Supplier');
      assert.equal(read.version, order.version + 1);
    });

    test('requesting fulfilment twice: the second is ACCEPTED as already requested and changes nothing', async () => {
      const order = await t.api.create(orderInput({ state: 'OPENED' }));
      await t.api.settled((await t.api.requestFulfillment(order.id)).id);
      const before = await t.api.order(order.id);
      const second = await t.api.settled((await t.api.requestFulfillment(order.id)).id);
      assertRequest(second, 'REQUEST_FULFILLMENT', 'ACCEPTED', order);
      assert.equal(second.message, 'Fulfillment already requested (status 512 Sent to Supplier)');
      const read = await t.api.order(order.id);
      assert.equal(read.status, 512);
      assert.equal(read.state, 'OPENED');
      assert.equal(read.version, before.version);
    });

    // The supplier has the order (In Production, Pending Dispatch, On Hold): a fulfilment request must not move it.
    for (const [status, name] of [[4, 'In Production'], [517, 'Pending Dispatch'], [256, 'On Hold']] as const) {
      test(`a fulfilment request on an order at ${status} ${name} is ACCEPTED as already requested and changes nothing`, async () => {
        const order = await t.api.create(orderInput({ state: 'OPENED' }));
        await t.api.settled((await t.api.requestFulfillment(order.id)).id);
        await fulfillerSetStatus(server.url, t.supplierToken, [order.number], 4);
        if (status !== 4) await fulfillerSetStatus(server.url, t.supplierToken, [order.number], status);
        const before = await t.api.order(order.id);
        assert.equal(before.status, status);
        const req = await t.api.settled((await t.api.requestFulfillment(order.id)).id);
        assertRequest(req, 'REQUEST_FULFILLMENT', 'ACCEPTED', order);
        assert.equal(req.message, `Fulfillment already requested (status ${status} ${name})`);
        const read = await t.api.order(order.id);
        assert.equal(read.status, status);
        assert.equal(read.locked, true);
        assert.equal(read.version, before.version);
        assert.deepEqual(read.events, before.events);
      });
    }

    test('COMPLETED → REJECTED with the reason', async () => {
      const order = await completedOrder();
      const req = await t.api.requestFulfillment(order.id);
      assertRequest(req, 'REQUEST_FULFILLMENT', 'REJECTED', order);
      assert.match(req.message ?? '', /COMPLETED/);
      assert.equal((await t.api.order(order.id)).status, 128);
    });

    test('a DRAFT order with no supplier: PENDING, then REJECTED naming supplierId', async () => {
      const order = await noDefault.api.create(orderInput());
      const settled = await noDefault.api.settled((await noDefault.api.requestFulfillment(order.id)).id);
      assert.equal(settled.state, 'REJECTED');
      assert.match(settled.message ?? '', /supplierId/);
      const read = await noDefault.api.order(order.id);
      assert.equal(read.state, 'DRAFT');
      assert.equal(read.status, 0);
    });
  });

  describe('history of requests applied by the worker', () => {
    test('opened, cancelled and fulfilment-requested events name the client who asked', async () => {
      const a = await t.api.create(orderInput());
      await t.api.settled((await t.api.open(a.id)).id);
      await t.api.settled((await t.api.cancel(a.id)).id);
      const b = await t.api.create(orderInput());
      await t.api.settled((await t.api.requestFulfillment(b.id)).id);
      const events = [...(await t.api.order(a.id)).events!, ...(await t.api.order(b.id)).events!];
      assert.deepEqual(
        events.map((e) => [e.action, e.clientId]),
        events.map((e) => [e.action, t.merchantClient.client_id]),
        'every change was asked for by the merchant client',
      );
    });
  });

  describe('once production has started', () => {
    /** An OPENED order the supplier has put In Production (status 4). */
    async function orderInProduction(): Promise<Order> {
      const order = await t.api.create(orderInput({ state: 'OPENED', comment: 'original' }));
      await startProduction(server.url, t.supplierToken, order);
      const read = await t.api.order(order.id);
      assert.equal(read.status, 4);
      assert.equal(read.statusName, 'In Production');
      assert.equal(read.locked, true);
      assert.ok(read.lines.every((l) => l.status === 'IN_PROGRESS'), JSON.stringify(read.lines));
      assert.equal(read.state, 'OPENED');
      return read;
    }

    test('orderUpdate is PENDING, then REJECTED because production has started; nothing changes', async () => {
      const order = await orderInProduction();
      const req = await t.api.update({ id: order.id, comment: 'change after production', priority: 'HIGH' });
      assertRequest(req, 'ORDER_UPDATE', 'PENDING', order);
      const settled = await t.api.settled(req.id);
      assertRequest(settled, 'ORDER_UPDATE', 'REJECTED', order);
      assert.match(settled.message ?? '', /production has started/i);
      const read = await t.api.order(order.id);
      assert.equal(read.comment, 'original');
      assert.equal(read.priority, order.priority);
      assert.equal(read.version, order.version);
      assert.deepEqual(read.events, order.events);
    });

    test('orderCancel is PENDING, then REJECTED because production has started; the order stays in production', async () => {
      const order = await orderInProduction();
      const req = await t.api.cancel(order.id);
      assertRequest(req, 'CANCEL', 'PENDING', order);
      const settled = await t.api.settled(req.id);
      assertRequest(settled, 'CANCEL', 'REJECTED', order);
      assert.match(settled.message ?? '', /production has started/i);
      const read = await t.api.order(order.id);
      assert.equal(read.state, 'OPENED');
      assert.equal(read.status, 4);
      assert.ok(read.lines.every((l) => l.status === 'IN_PROGRESS'));
      assert.equal(read.version, order.version);
    });

    test('orderOpen of an order in production is still the ACCEPTED no-op', async () => {
      const order = await orderInProduction();
      const req = await t.api.open(order.id);
      assertRequest(req, 'OPEN', 'ACCEPTED', order);
      assert.equal((await t.api.order(order.id)).version, order.version);
    });

    test('later statuses (517 Pending Dispatch) keep the order locked', async () => {
      const order = await orderInProduction();
      await fulfillerSetStatus(server.url, t.supplierToken, [order.number], 517);
      const settled = await t.api.settled((await t.api.update({ id: order.id, comment: 'still no' })).id);
      assert.equal(settled.state, 'REJECTED');
      assert.match(settled.message ?? '', /production has started/i);
    });

    test('production started after an update was accepted keeps the accepted change', async () => {
      const order = await t.api.create(orderInput({ state: 'OPENED' }));
      const accepted = await t.api.settled((await t.api.update({ id: order.id, comment: 'in time' })).id);
      assert.equal(accepted.state, 'ACCEPTED');
      await startProduction(server.url, t.supplierToken, order);
      const read = await t.api.order(order.id);
      assert.equal(read.comment, 'in time');
      assert.equal(read.locked, true);
    });
  });
});
