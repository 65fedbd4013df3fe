/**
 * Orders API `orderUpdate` on orders already sent to the supplier, over real HTTP (SPEC §4, seed 004): on an
 * OPENED order PENDING, then ACCEPTED by the worker (read back through `dispatchableRequest(id)`); on a COMPLETED
 * order REJECTED with the reason. `expectedVersion` is checked at once, before a request is queued. DRAFT orders:
 * orders-update-draft.test.ts.
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
  type Tenant,
  createTenant,
  UUID,
  fulfillerSetStatus,
} from '../support/orders-api.ts';

describe('orderUpdate', () => {
  let server: TestServer;
  let t: Tenant;

  before(async () => {
    server = await startServer();
    t = await createTenant(server);
  });
  after(() => server?.stop());

  describe('on an OPENED order', () => {
    test('is PENDING, then ACCEPTED by the worker, and applied', async () => {
      const order = await t.api.create(orderInput({ state: 'OPENED', comment: 'opened' }));
      assert.equal(order.state, 'OPENED');
      const req = await t.api.update({ id: order.id, priority: 'HIGH', comment: 'changed while opened' });
      assert.match(req.id, UUID);
      assert.equal(req.type, 'ORDER_UPDATE');
      assert.equal(req.state, 'PENDING');
      assert.equal(req.orderId, order.id);
      assert.equal(req.completedAt, null);

      const settled = await t.api.settled(req.id);
      assert.equal(settled.state, 'ACCEPTED', JSON.stringify(settled));
      assert.equal(settled.message, 'Order updated successfully');
      assert.equal(settled.type, 'ORDER_UPDATE');
      assert.ok(settled.completedAt);

      const read = await t.api.order(order.id);
      assert.equal(read.priority, 'HIGH');
      assert.equal(read.comment, 'changed while opened');
      assert.equal(read.state, 'OPENED');
      assert.equal(read.version, order.version + 1);
      const updated = eventsOf(read, 'updated');
      assert.equal(updated.length, 1);
      assert.deepEqual(changesOf(updated[0]).comment, { from: 'opened', to: 'changed while opened' });
    });

    test('the history of a change the worker applied names the client who requested it', async () => {
      const order = await t.api.create(orderInput({ state: 'OPENED', comment: 'who?' }));
      const req = await t.api.update({ id: order.id, comment: 'me' });
      assert.equal((await t.api.settled(req.id)).state, 'ACCEPTED');
      const updated = eventsOf(await t.api.order(order.id), 'updated');
      assert.equal(updated.length, 1);
      assert.deepEqual(changesOf(updated[0]).comment, { from: 'who?', to: 'me' });
      assert.equal(updated[0].clientId, t.merchantClient.client_id, `events must say who made the change: ${JSON.stringify(updated[0])}`);
    });

    test('replaced lines of an OPENED order stay ACCEPTED', async () => {
      const order = await t.api.create(orderInput({ state: 'OPENED' }));
      const req = await t.api.update({ id: order.id, lines: [{ sku: 'NEW', quantity: 4 }] });
      assert.equal(req.state, 'PENDING');
      assert.equal((await t.api.settled(req.id)).state, 'ACCEPTED');
      const read = await t.api.order(order.id);
      assert.deepEqual(read.lines.map((l) => [l.sku, l.quantity, l.status]), [['NEW', 4, 'ACCEPTED']]);
    });

    test('delivery merges and null clears through the worker too', async () => {
      const order = await t.api.create(orderInput({ state: 'OPENED' }));
      const req = await t.api.update({ id: order.id, delivery: { phone: '+33100000000' }, comment: null });
      assert.equal((await t.api.settled(req.id)).state, 'ACCEPTED');
      const read = await t.api.order(order.id);
      assert.deepEqual(read.delivery, { ...order.delivery, phone: '+33100000000' });
      assert.equal(read.comment, null);
    });

    test('expectedVersion mismatch is VERSION_CONFLICT at once, with no request left behind', async () => {
      const order = await t.api.create(orderInput({ state: 'OPENED' }));
      const r = await t.api.tryUpdate({ id: order.id, comment: 'stale', expectedVersion: order.version - 1 });
      expectGraphQLError(r, 'VERSION_CONFLICT', [/version/], { field: 'orderUpdate' });
      const ok = await t.api.update({ id: order.id, comment: 'fresh', expectedVersion: order.version });
      assert.equal(ok.state, 'PENDING');
      assert.equal((await t.api.settled(ok.id)).state, 'ACCEPTED');
      const read = await t.api.order(order.id);
      assert.equal(read.comment, 'fresh');
      assert.equal(read.version, order.version + 1);
    });

    test('changing the supplier of an OPENED order is refused with a reason', async () => {
      const other = await createTenant(server);
      await server.cli(['org', 'connect', '--merchant', t.merchant.id, '--supplier', other.supplier.id, '--json']);
      const order = await t.api.create(orderInput({ state: 'OPENED' }));
      const r = await t.api.tryUpdate({ id: order.id, supplierId: other.supplier.id });
      let message: string;
      if (r.body.errors) {
        message = expectGraphQLError(r, 'BAD_USER_INPUT', ['supplierId']).message;
      } else {
        const settled = await t.api.settled(r.body.data.orderUpdate.id);
        assert.equal(settled.state, 'REJECTED', JSON.stringify(settled));
        message = settled.message ?? '';
        assert.match(message, /supplierId/);
      }
      assert.match(message, /DRAFT/);
      assert.equal((await t.api.order(order.id)).supplierId, t.supplier.id);
    });

    test('an update by externalReference is routed the same way', async () => {
      const ref = uniqueRef('OPENREF');
      const order = await t.api.create(orderInput({ state: 'OPENED', externalReference: ref }));
      const req = await t.api.update({ externalReference: ref, invoiceNumber: 'INV-OPEN' });
      assert.equal(req.state, 'PENDING');
      assert.equal(req.orderId, order.id);
      assert.equal((await t.api.settled(req.id)).state, 'ACCEPTED');
      assert.equal((await t.api.order(order.id)).invoiceNumber, 'INV-OPEN');
    });
  });

  describe('on a COMPLETED order', () => {
    test('is REJECTED with a message that says why, and changes nothing', async () => {
      const order = await t.api.create(orderInput());
      assert.equal((await t.api.cancel(order.id)).state, 'ACCEPTED');
      const before = await t.api.order(order.id);
      assert.equal(before.state, 'COMPLETED');

      const req = await t.api.update({ id: order.id, comment: 'too late' });
      assert.equal(req.type, 'ORDER_UPDATE');
      assert.equal(req.state, 'REJECTED');
      assert.match(req.message ?? '', /COMPLETED/);
      assert.match(req.message ?? '', /can no longer be changed|cannot be changed/);
      assert.ok(req.completedAt);
      assert.deepEqual(await t.api.request(req.id), req);

      const after = await t.api.order(order.id);
      assert.equal(after.comment, before.comment);
      assert.equal(after.version, before.version);
      assert.deepEqual(after.events, before.events);
    });

    test('a fulfilled (dispatched) order is COMPLETED and refuses changes too', async () => {
      const order = await t.api.create(orderInput({ state: 'OPENED' }));
      await fulfillerSetStatus(server.url, t.supplierToken, [order.number], 8);
      const done = await t.api.order(order.id);
      assert.equal(done.state, 'COMPLETED');
      assert.ok(done.lines.every((l) => l.status === 'FULFILLED'));
      const req = await t.api.update({ id: order.id, comment: 'after dispatch' });
      assert.equal(req.state, 'REJECTED');
      assert.match(req.message ?? '', /COMPLETED/);
      assert.equal((await t.api.order(order.id)).version, done.version);
    });
  });
});
