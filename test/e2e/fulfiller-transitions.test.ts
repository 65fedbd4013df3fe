/**
 * Fulfilment status transitions through the Fulfiller API (SPEC §5): the forward path with skips, holds and
 * queries, refusals (INVALID_STATUS_TRANSITION naming both statuses, order left as it was), re-sending the current
 * status (allowed, changes nothing), cancelling (128), 8 → 64 and nothing out of 64/128, and unknown codes
 * (BAD_USER_INPUT) — each checked on the fulfiller's answer and on the merchant's view of the order.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import {
  assertSingleError,
  createFulfillerWorld,
  createOrder,
  createOrders,
  merchantOrder,
  updateOrders,
  updateOrdersOk,
  type CreatedOrder,
  type FulfillerWorld,
} from '../support/fulfiller.ts';

const NAMES: Record<number, string> = {
  0: 'Unknown',
  1: 'Received',
  4: 'In Production',
  8: 'Dispatched',
  32: 'QC Query',
  64: 'Dispatched (Retailer Notified)',
  128: 'Cancelled',
  256: 'On Hold',
  512: 'Sent to Supplier',
  513: 'Received by Supplier',
  515: 'Sent to Shipper',
  516: 'Received by Shipper',
  517: 'Pending Dispatch',
};

describe('Fulfiller API: status transitions', () => {
  let server: TestServer;
  let w: FulfillerWorld;

  before(async () => {
    server = await startServer();
    w = await createFulfillerWorld(server);
  });
  after(() => server?.stop());

  /** Moves `order` to `status` and asserts it worked. */
  async function move(order: CreatedOrder, status: number, extra: Record<string, unknown> = {}) {
    const [result] = await updateOrdersOk(w.url, w.supplierToken, [{ id: order.number, status, ...extra }]);
    assert.equal(result.id, order.number);
    assert.equal(result.status, status, `→ ${status}`);
    assert.equal(result.status_name, NAMES[status]);
    return result;
  }

  /** Asserts that moving `order` to `to` is refused with INVALID_STATUS_TRANSITION naming both statuses. */
  async function refused(order: CreatedOrder, from: number, to: number, extra: Record<string, unknown> = {}) {
    const before = await merchantOrder(w.url, w.merchantToken, order.id);
    assert.equal(before.status, from, 'precondition');
    const r = await updateOrders(w.url, w.supplierToken, [{ id: order.number, status: to, ...extra }]);
    assert.deepEqual(r.body.data, { core: { updateOrders: [null] } }, `${from} → ${to}: ${JSON.stringify(r.body)}`);
    const e = assertSingleError(r, { code: 'INVALID_STATUS_TRANSITION', path: ['core', 'updateOrders', 0] });
    assert.ok(e.message.includes(`${from} ${NAMES[from]}`), `${JSON.stringify(e.message)} should name ${from} ${NAMES[from]}`);
    assert.ok(e.message.includes(`${to} ${NAMES[to]}`), `${JSON.stringify(e.message)} should name ${to} ${NAMES[to]}`);
    const afterwards = await merchantOrder(w.url, w.merchantToken, order.id);
    assert.deepEqual(afterwards, before, `a refused ${from} → ${to} must change nothing`);
  }

  it('walks the whole forward path 1 → 512 → 513 → 4 → 517 → 515 → 516 → 8 → 64', async () => {
    const order = await createOrder(w);
    const path = [512, 513, 4, 517, 515, 516, 8, 64];
    for (const status of path) await move(order, status);
    const seen = await merchantOrder(w.url, w.merchantToken, order.id);
    assert.equal(seen.status, 64);
    assert.equal(seen.statusName, 'Dispatched (Retailer Notified)');
    assert.equal(seen.state, 'COMPLETED');
    assert.deepEqual(seen.lines.map((l: any) => l.status), ['FULFILLED', 'FULFILLED']);
    const moves = seen.events
      .map((e: any) => e.changes.find((c: any) => c.field === 'status'))
      .filter((c: any) => c && c.from !== 0)
      .map((c: any) => `${c.from}→${c.to}`);
    assert.deepEqual(moves, ['1→512', '512→513', '513→4', '4→517', '517→515', '515→516', '516→8', '8→64']);
  });

  it('lets steps be skipped (1 → 8, 512 → 516)', async () => {
    const [a, b] = await createOrders(w, 2);
    await move(a, 8);
    assert.equal((await merchantOrder(w.url, w.merchantToken, a.id)).state, 'COMPLETED');
    await move(b, 512);
    await move(b, 516);
  });

  it('locks the order and starts the lines from 4 (and 517/515/516) on, but not at 512/513', async () => {
    const [a, b, c] = await createOrders(w, 3);
    await move(a, 513);
    let seen = await merchantOrder(w.url, w.merchantToken, a.id);
    assert.equal(seen.locked, false);
    assert.deepEqual(seen.lines.map((l: any) => l.status), ['ACCEPTED', 'ACCEPTED']);
    await move(b, 517);
    seen = await merchantOrder(w.url, w.merchantToken, b.id);
    assert.equal(seen.locked, true);
    assert.equal(seen.state, 'OPENED');
    assert.deepEqual(seen.lines.map((l: any) => l.status), ['IN_PROGRESS', 'IN_PROGRESS']);
    await move(c, 4);
    seen = await merchantOrder(w.url, w.merchantToken, c.id);
    assert.equal(seen.locked, true);
    assert.deepEqual(seen.lines.map((l: any) => l.status), ['IN_PROGRESS', 'IN_PROGRESS']);
  });

  it('refuses backward moves and moves back to Unknown, naming both statuses and changing nothing', async () => {
    const order = await createOrder(w);
    await move(order, 4);
    await refused(order, 4, 1);
    await refused(order, 4, 512);
    await refused(order, 4, 513);
    await refused(order, 4, 0);
    // A refused move takes the shipping fields of the same entry down with it.
    await refused(order, 4, 1, { shipping_carrier: 'DHL', shipping_tracking: 'TRK-REFUSED' });
    await move(order, 516);
    await refused(order, 516, 517);
    await refused(order, 516, 4);
  });

  it('puts orders On Hold (256) and in QC Query (32) from open statuses and back to any open status', async () => {
    const order = await createOrder(w);
    await move(order, 4);
    await move(order, 256);
    await move(order, 4);
    await move(order, 32);
    await move(order, 256);
    await move(order, 513); // back to any open status, even an earlier one
    await move(order, 32);
    await move(order, 516);
    await move(order, 8);
  });

  it('a hold after production started keeps the order locked and its lines in progress', async () => {
    const order = await createOrder(w);
    await move(order, 4);
    await move(order, 256);
    const seen = await merchantOrder(w.url, w.merchantToken, order.id);
    assert.equal(seen.locked, true);
    assert.equal(seen.state, 'OPENED');
    assert.equal(seen.statusName, 'On Hold');
    assert.deepEqual(seen.lines.map((l: any) => l.status), ['IN_PROGRESS', 'IN_PROGRESS']);
  });

  it('refuses leaving a hold or query straight to dispatch', async () => {
    const [held, queried] = await createOrders(w, 2);
    await move(held, 256);
    await refused(held, 256, 8);
    await refused(held, 256, 64);
    await move(queried, 32);
    await refused(queried, 32, 8);
    await refused(queried, 32, 64);
  });

  it('allows re-sending the current status and changes nothing (same version, no new history)', async () => {
    const order = await createOrder(w);
    await move(order, 4, { shipping_carrier: 'Royal Mail', shipping_method: 'Tracked 24' });
    const before = await merchantOrder(w.url, w.merchantToken, order.id);
    const [again] = await updateOrdersOk(w.url, w.supplierToken, [{ id: order.number, status: 4 }]);
    assert.deepEqual(again, {
      id: order.number,
      shipping_carrier: 'Royal Mail',
      shipping_method: 'Tracked 24',
      shipping_tracking: null,
      status: 4,
      status_name: 'In Production',
    });
    // The whole entry again, carrier and method included.
    await updateOrdersOk(w.url, w.supplierToken, [
      { id: order.number, status: 4, shipping_carrier: 'Royal Mail', shipping_method: 'Tracked 24' },
    ]);
    const afterwards = await merchantOrder(w.url, w.merchantToken, order.id);
    assert.equal(afterwards.version, before.version, 'version unchanged');
    assert.equal(afterwards.updatedAt, before.updatedAt, 'updatedAt unchanged');
    assert.equal(afterwards.events.length, before.events.length, 'no new history');
    assert.deepEqual(afterwards, before);
  });

  it('re-sending a final status (8, 64, 128) is allowed too', async () => {
    const [a, b, c] = await createOrders(w, 3);
    await move(a, 8);
    await move(a, 8);
    await move(b, 8);
    await move(b, 64);
    await move(b, 64);
    await move(c, 128);
    const before = await merchantOrder(w.url, w.merchantToken, c.id);
    await move(c, 128);
    assert.equal((await merchantOrder(w.url, w.merchantToken, c.id)).version, before.version);
  });

  it('changes shipping fields without a status, bumping the version once', async () => {
    const order = await createOrder(w);
    const before = await merchantOrder(w.url, w.merchantToken, order.id);
    const [r] = await updateOrdersOk(w.url, w.supplierToken, [{ id: order.number, shipping_tracking: 'TRK-1' }]);
    assert.equal(r.status, 1);
    assert.equal(r.shipping_tracking, 'TRK-1');
    const seen = await merchantOrder(w.url, w.merchantToken, order.id);
    assert.equal(seen.shippingTracking, 'TRK-1');
    assert.equal(seen.status, 1);
    assert.equal(seen.version, before.version + 1);
  });

  it('status: null leaves the status alone; omitted shipping fields stay, null clears one', async () => {
    const order = await createOrder(w);
    await move(order, 4, { shipping_carrier: 'DPD', shipping_method: 'Next Day', shipping_tracking: 'TRK-A' });
    const [r] = await updateOrdersOk(w.url, w.supplierToken, [{ id: order.number, status: null, shipping_tracking: 'TRK-B' }]);
    assert.deepEqual(r, {
      id: order.number,
      shipping_carrier: 'DPD',
      shipping_method: 'Next Day',
      shipping_tracking: 'TRK-B',
      status: 4,
      status_name: 'In Production',
    });
    const [cleared] = await updateOrdersOk(w.url, w.supplierToken, [{ id: order.number, shipping_method: null }]);
    assert.equal(cleared.shipping_method, null);
    assert.equal(cleared.shipping_carrier, 'DPD');
    assert.equal(cleared.shipping_tracking, 'TRK-B');
    const seen = await merchantOrder(w.url, w.merchantToken, order.id);
    assert.equal(seen.shippingMethod, null);
    assert.equal(seen.shippingCarrier, 'DPD');
    assert.equal(seen.status, 4);
  });

  it('cancels with 128 from any status before 8: lines CANCELED, state COMPLETED', async () => {
    const starts = [1, 512, 513, 4, 517, 515, 516, 256, 32];
    const orders = await createOrders(w, starts.length);
    for (const [i, from] of starts.entries()) {
      if (from !== 1) await move(orders[i], from);
      await move(orders[i], 128);
      const seen = await merchantOrder(w.url, w.merchantToken, orders[i].id);
      assert.equal(seen.state, 'COMPLETED', `${from} → 128`);
      assert.equal(seen.status, 128);
      assert.equal(seen.statusName, 'Cancelled');
      assert.deepEqual(seen.lines.map((l: any) => l.status), ['CANCELED', 'CANCELED'], `${from} → 128`);
    }
  });

  it('allows 8 → 64 and refuses every other move out of 8', async () => {
    const order = await createOrder(w);
    await move(order, 8);
    for (const to of [0, 1, 4, 32, 128, 256, 512, 513, 515, 516, 517]) await refused(order, 8, to);
    await move(order, 64);
  });

  it('refuses every move out of 64 and 128', async () => {
    const [notified, cancelled] = await createOrders(w, 2);
    await move(notified, 8);
    await move(notified, 64);
    await move(cancelled, 128);
    for (const to of [0, 1, 4, 8, 32, 128, 256, 512, 513, 515, 516, 517]) await refused(notified, 64, to);
    for (const to of [0, 1, 4, 8, 32, 64, 256, 512, 513, 515, 516, 517]) await refused(cancelled, 128, to);
    const seen = await merchantOrder(w.url, w.merchantToken, cancelled.id);
    assert.deepEqual(seen.lines.map((l: any) => l.status), ['CANCELED', 'CANCELED']);
  });

  it('answers an unknown status code with BAD_USER_INPUT naming the field', async () => {
    const order = await createOrder(w);
    const before = await merchantOrder(w.url, w.merchantToken, order.id);
    for (const status of [2, 3, 514, 999, -1, 1024]) {
      const r = await updateOrders(w.url, w.supplierToken, [{ id: order.number, status, shipping_carrier: 'Nope' }]);
      assert.deepEqual(r.body.data, { core: { updateOrders: [null] } }, `status ${status}: ${JSON.stringify(r.body)}`);
      const e = assertSingleError(r, { code: 'BAD_USER_INPUT', path: ['core', 'updateOrders', 0] });
      assert.match(e.message, /status/, e.message);
    }
    assert.deepEqual(await merchantOrder(w.url, w.merchantToken, order.id), before);
  });

  it('answers a status that is not an Int with BAD_USER_INPUT for the whole call', async () => {
    const order = await createOrder(w);
    for (const status of ['4', 4.5, true]) {
      const r = await updateOrders(w.url, w.supplierToken, [{ id: order.number, status }]);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(r.body.errors?.length, JSON.stringify(r.body));
      assert.equal(r.body.errors![0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r.body));
    }
    assert.equal((await merchantOrder(w.url, w.merchantToken, order.id)).status, 1);
  });
});
