/**
 * Orders API `orderUpdate` on a DRAFT order over real HTTP (SPEC §4, seed 004): applied at once (ACCEPTED, "Order
 * updated successfully"). Only the fields given change, an explicit null clears, delivery merges, lines replace,
 * `version` counts the changes, `events` say who changed what from what to what, and `expectedVersion` guards
 * against lost updates. OPENED and COMPLETED orders: orders-update-dispatched.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import {
  changesOf,
  eventsOf,
  expectGraphQLError,
  orderInput,
  uniqueRef,
  type Order,
  type Tenant,
  createTenant,
  UUID,
} from '../support/orders-api.ts';

/** The order without the fields every change moves (version, updatedAt, events). */
function stable(o: Order): Partial<Order> {
  const { version: _v, updatedAt: _u, events: _e, ...rest } = o;
  return rest;
}

describe('orderUpdate', () => {
  let server: TestServer;
  let t: Tenant;

  before(async () => {
    server = await startServer();
    t = await createTenant(server);
  });
  after(() => server?.stop());

  describe('on a DRAFT order', () => {
    test('is applied at once: ACCEPTED, "Order updated successfully", readable right away', async () => {
      const order = await t.api.create(orderInput());
      const req = await t.api.update({ id: order.id, priority: 'HIGH', comment: 'Urgent — customer VIP' });
      assert.match(req.id, UUID);
      assert.equal(req.type, 'ORDER_UPDATE');
      assert.equal(req.state, 'ACCEPTED');
      assert.equal(req.message, 'Order updated successfully');
      assert.equal(req.orderId, order.id);
      assert.ok(req.completedAt, 'an ACCEPTED request has completedAt');

      const read = await t.api.order(order.id); // no waiting: DRAFT changes are synchronous
      assert.equal(read.priority, 'HIGH');
      assert.equal(read.comment, 'Urgent — customer VIP');
      assert.equal(read.version, 2);
      assert.equal(read.state, 'DRAFT');
      assert.ok(read.updatedAt >= order.updatedAt && read.createdAt === order.createdAt, 'updatedAt moves, createdAt stays');
      assert.deepEqual(stable({ ...read, priority: order.priority, comment: order.comment }), stable(order), 'nothing else changed');

      const again = await t.api.request(req.id);
      assert.deepEqual(again, req, 'dispatchableRequest(id) reads the same request back');
    });

    test('records who changed what, from and to, in events', async () => {
      const order = await t.api.create(orderInput({ comment: 'before', total: 10 }));
      await t.api.update({ id: order.id, comment: 'after', total: 12.5 });
      const read = await t.api.order(order.id);
      assert.deepEqual(read.events!.map((e) => e.action), ['created', 'updated']);
      const updated = eventsOf(read, 'updated')[0];
      assert.equal(updated.clientId, t.merchantClient.client_id);
      assert.ok(!Number.isNaN(Date.parse(updated.createdAt)));
      assert.deepEqual(changesOf(updated), { comment: { from: 'before', to: 'after' }, total: { from: 10, to: 12.5 } });
    });

    test('every change bumps version by one; an update that changes nothing does not', async () => {
      const order = await t.api.create(orderInput({ comment: 'v1' }));
      assert.equal(order.version, 1);
      for (let i = 2; i <= 5; i++) {
        const req = await t.api.update({ id: order.id, comment: `v${i}` });
        assert.equal(req.state, 'ACCEPTED');
        assert.equal((await t.api.order(order.id)).version, i);
      }
      const same = await t.api.update({ id: order.id, comment: 'v5', priority: order.priority });
      assert.equal(same.state, 'ACCEPTED');
      const read = await t.api.order(order.id);
      assert.equal(read.version, 5, 'a no-op update keeps the version');
      assert.equal(eventsOf(read, 'updated').length, 4, 'a no-op update writes no event');
    });

    test('only the fields given change; omitted fields stay', async () => {
      const order = await t.api.create(orderInput());
      await t.api.update({ id: order.id, invoiceNumber: 'INV-2' });
      const read = await t.api.order(order.id);
      assert.equal(read.invoiceNumber, 'INV-2');
      assert.deepEqual(stable({ ...read, invoiceNumber: order.invoiceNumber }), stable(order));
    });

    test('an explicit null clears an optional field', async () => {
      const order = await t.api.create(orderInput({ comment: 'to be cleared', invoiceNumber: 'INV-9', totalShipping: 3 }));
      await t.api.update({ id: order.id, comment: null, invoiceNumber: null, totalShipping: null });
      const read = await t.api.order(order.id);
      assert.equal(read.comment, null);
      assert.equal(read.invoiceNumber, null);
      assert.equal(read.totalShipping, null);
      assert.equal(read.currency, order.currency, 'fields not named stay');
      assert.deepEqual(changesOf(eventsOf(read, 'updated')[0]).comment, { from: 'to be cleared', to: null });
    });

    test('every scalar field can be set', async () => {
      const order = await t.api.create(orderInput());
      const patch = {
        invoiceNumber: 'INV-NEW',
        type: 'B2B',
        dispatchingType: 'MANUAL',
        priority: 'LOW',
        inventoryPolicy: 'ADJUST',
        total: 100,
        totalTaxInclusive: 120,
        totalShipping: 0,
        currency: 'USD',
        issuedAt: '2026-01-02T03:04:05.000Z',
        comment: 'all new',
        externalReference: uniqueRef('RENAMED'),
      };
      await t.api.update({ id: order.id, ...patch });
      const read = await t.api.order(order.id);
      for (const [k, v] of Object.entries(patch)) assert.deepEqual(read[k as keyof Order], v, k);
      assert.equal(read.version, 2, 'one update, one version');
      assert.deepEqual(new Set(eventsOf(read, 'updated')[0].changes.map((c) => c.field)), new Set(Object.keys(patch)));
    });

    test('delivery fields merge into the current delivery; delivery: null clears it', async () => {
      const order = await t.api.create(orderInput());
      await t.api.update({ id: order.id, delivery: { city: 'Lyon', zipcode: '69001' } });
      let read = await t.api.order(order.id);
      assert.deepEqual(read.delivery, { ...order.delivery, city: 'Lyon', zipcode: '69001' }, 'the other delivery fields stay');

      await t.api.update({ id: order.id, delivery: { addressComplement: null } });
      read = await t.api.order(order.id);
      assert.deepEqual(read.delivery, { ...order.delivery, city: 'Lyon', zipcode: '69001', addressComplement: null }, 'null clears one delivery field');

      await t.api.update({ id: order.id, delivery: null });
      read = await t.api.order(order.id);
      assert.equal(read.delivery, null);
      assert.equal(read.version, 4);
    });

    test('a delivery on an order that had none is created', async () => {
      const order = await t.api.create({ lines: [{ quantity: 1 }] });
      await t.api.update({ id: order.id, delivery: { fullname: 'John Roe', country: 'DE' } });
      const read = await t.api.order(order.id);
      assert.equal(read.delivery?.fullname, 'John Roe');
      assert.equal(read.delivery?.country, 'DE');
    });

    test('lines replace every line', async () => {
      const order = await t.api.create(
        orderInput({ lines: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 2 }, { sku: 'C', quantity: 3 }] }),
      );
      const lines = [{ sku: 'X', label: 'New X', quantity: 7, price: 1.25, vatRate: 0 }];
      await t.api.update({ id: order.id, lines });
      const read = await t.api.order(order.id);
      assert.deepEqual(read.lines.map(({ id: _id, status: _s, ...l }) => l), lines);
      assert.equal(read.lines[0].status, 'PENDING', 'lines of a DRAFT order are PENDING');
      const change = changesOf(eventsOf(read, 'updated')[0]).lines;
      assert.ok(change, 'the lines change is in the history');
      assert.equal((change.from as unknown[]).length, 3);
      assert.equal((change.to as unknown[]).length, 1);
    });

    test('omitting lines keeps them; lines: null keeps them too (lines cannot be cleared)', async () => {
      const order = await t.api.create(orderInput());
      await t.api.update({ id: order.id, comment: 'x' });
      assert.deepEqual((await t.api.order(order.id)).lines, order.lines);
      const r = await t.api.tryUpdate({ id: order.id, lines: null });
      if (r.body.errors) expectGraphQLError(r, 'BAD_USER_INPUT', ['lines']);
      assert.equal((await t.api.order(order.id)).lines.length, order.lines.length, 'an order keeps at least one line');
    });

    test('targets the order by externalReference when id is absent', async () => {
      const ref = uniqueRef('BYREF');
      const order = await t.api.create(orderInput({ externalReference: ref }));
      const req = await t.api.update({ externalReference: ref, comment: 'by reference' });
      assert.equal(req.state, 'ACCEPTED');
      assert.equal(req.orderId, order.id);
      const read = await t.api.order(order.id);
      assert.equal(read.comment, 'by reference');
      assert.equal(read.externalReference, ref, 'the reference used as a key is not a change');
    });

    test('an unknown externalReference is NOT_FOUND', async () => {
      const r = await t.api.tryUpdate({ externalReference: uniqueRef('NOPE'), comment: 'x' });
      expectGraphQLError(r, 'NOT_FOUND', [], { field: 'orderUpdate' });
    });

    test('an unknown id is NOT_FOUND', async () => {
      const r = await t.api.tryUpdate({ id: '00000000-0000-4000-8000-000000000000', comment: 'x' });
      expectGraphQLError(r, 'NOT_FOUND', ['00000000-0000-4000-8000-000000000000'], { field: 'orderUpdate' });
    });

    test('expectedVersion equal to the current version is applied', async () => {
      const order = await t.api.create(orderInput());
      const req = await t.api.update({ id: order.id, comment: 'guarded', expectedVersion: 1 });
      assert.equal(req.state, 'ACCEPTED');
      const read = await t.api.order(order.id);
      assert.equal(read.comment, 'guarded');
      assert.equal(read.version, 2);
    });

    test('expectedVersion mismatch is VERSION_CONFLICT and changes nothing', async () => {
      const order = await t.api.create(orderInput());
      await t.api.update({ id: order.id, comment: 'v2' });
      const r = await t.api.tryUpdate({ id: order.id, comment: 'stale write', expectedVersion: 1 });
      const error = expectGraphQLError(r, 'VERSION_CONFLICT', [/version/], { field: 'orderUpdate' });
      assert.match(error.message, /2/, 'the message says the current version');
      const read = await t.api.order(order.id);
      assert.equal(read.comment, 'v2');
      assert.equal(read.version, 2);
      assert.equal(eventsOf(read, 'updated').length, 1);
    });

    test('a supplierId can be set while DRAFT and is used when the order opens', async () => {
      const other = await createTenant(server); // another supplier, connected to t's merchant by an admin
      await server.cli(['org', 'connect', '--merchant', t.merchant.id, '--supplier', other.supplier.id, '--json']);
      const order = await t.api.create(orderInput());
      await t.api.update({ id: order.id, supplierId: other.supplier.id });
      assert.equal((await t.api.order(order.id)).supplierId, other.supplier.id);
      const settled = await t.api.settled((await t.api.open(order.id)).id);
      assert.equal(settled.state, 'ACCEPTED', JSON.stringify(settled));
      const read = await t.api.order(order.id);
      assert.equal(read.state, 'OPENED');
      assert.equal(read.supplierId, other.supplier.id, 'the explicit supplier wins over the default');
    });

    test('organizationId of the order\'s own organization is accepted; another one is refused', async () => {
      const order = await t.api.create(orderInput());
      assert.equal((await t.api.update({ id: order.id, organizationId: t.merchant.id, comment: 'same org' })).state, 'ACCEPTED');
      const r = await t.api.tryUpdate({ id: order.id, organizationId: t.supplier.id, comment: 'moved?' });
      assert.ok(r.body.errors, `moving an order to another organization must fail: ${JSON.stringify(r.body)}`);
      assert.ok(['BAD_USER_INPUT', 'NOT_FOUND'].includes(r.body.errors![0].extensions?.code as string), JSON.stringify(r.body));
      assert.equal((await t.api.order(order.id)).comment, 'same org');
    });
  });
});
