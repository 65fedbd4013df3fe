/**
 * Shipments (SPEC §8, issue #15) end to end: a delivery order of 3 lines shipped in two parcels (the first
 * partial) through the fulfiller's `createShipments`, the merchant reading fulfilled quantities, statuses and
 * tracking URLs; bad input refused at its index with nothing written; the race for a line's last unit; another
 * tenant's NOT_FOUND.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { gql } from '../support/graphql.ts';
import {
  assertErrorAt,
  createFulfillerWorld,
  createOrder,
  expectData,
  FULFILLER_PATH,
  fulfillerOrder,
  merchantOrder,
  type FulfillerWorld,
} from '../support/fulfiller.ts';

const SHIPMENT_FIELDS = 'id order_id tracking_number tracking_url shipping_carrier items { id external_ref quantity } state last_event created_datetime';
const CREATE = `mutation($s: [ShipmentInput]) { core { createShipments(shipments: $s) { ${SHIPMENT_FIELDS} } } }`;
const LINES = [
  { sku: 'A', label: 'A', quantity: 2, price: 5 },
  { sku: 'B', label: 'B', quantity: 1, price: 5 },
  { sku: 'C', label: 'C', quantity: 3, price: 5 },
];
const LINE_FIELDS = 'state status locked lines { id sku status fulfilledQuantity }';

const createShipments = (w: FulfillerWorld, token: string, s: unknown[]) => gql(w.url, token, CREATE, { s }, FULFILLER_PATH);

describe('shipments', () => {
  let server: TestServer;
  let w: FulfillerWorld;
  let stranger: FulfillerWorld;

  before(async () => {
    server = await startServer();
    [w, stranger] = await Promise.all([createFulfillerWorld(server), createFulfillerWorld(server)]);
  });
  after(() => server?.stop());

  it('ships a delivery order of 3 lines in two parcels, refusing what cannot be shipped', async () => {
    const order = await createOrder(w, { lines: LINES });
    const m0 = await merchantOrder(w.url, w.merchantToken, order.id, LINE_FIELDS);
    const [a, b, c] = m0.lines.map((l: { id: string }) => Number(l.id));

    // Parcel 1: both A, one C (by external reference).
    const first = expectData(
      await createShipments(w, w.supplierToken, [
        { order_id: order.number, items: [{ id: a, quantity: 2 }, { external_ref: 'C', quantity: 1 }], shipping_carrier: 'DHL', tracking_number: 'T1', tracking_url: 'https://track.example/T1' },
      ]),
    ).core.createShipments;
    assert.equal(first.length, 1);
    assert.equal(first[0].order_id, order.number);
    assert.deepEqual(first[0].items, [{ id: a, external_ref: 'A', quantity: 2 }, { id: c, external_ref: 'C', quantity: 1 }]);
    assert.deepEqual([first[0].state, first[0].last_event, first[0].tracking_url], ['OPENED', 'NEW', 'https://track.example/T1']);

    let m = await merchantOrder(w.url, w.merchantToken, order.id, LINE_FIELDS);
    assert.deepEqual(m.lines.map((l: any) => [l.status, l.fulfilledQuantity]), [['FULFILLED', 2], ['ACCEPTED', 0], ['PARTIALLY_FULFILLED', 1]]);
    assert.deepEqual([m.state, m.locked], ['OPENED', true]);

    // Refused, each at its index, nothing written: over-shipping, quantity 0, an item of another order, a bad URL, no order.
    const other = await createOrder(w, { lines: [LINES[0]] });
    const otherLine = Number((await merchantOrder(w.url, w.merchantToken, other.id, 'lines { id }')).lines[0].id);
    const bad = await createShipments(w, w.supplierToken, [
      { order_id: order.number, items: [{ id: c, quantity: 3 }] },
      { order_id: order.number, items: [{ id: b, quantity: 0 }] },
      { order_id: order.number, items: [{ id: otherLine, quantity: 1 }] },
      { order_id: order.number, tracking_url: 'javascript:alert(1)' },
      { items: [{ id: b, quantity: 1 }] },
    ]);
    assert.deepEqual(bad.body.data?.core.createShipments, [null, null, null, null, null]);
    const at = (i: number, message: RegExp) => assertErrorAt(bad.body, { path: ['core', 'createShipments', i], code: 'BAD_USER_INPUT', message });
    at(0, /shipments\[0\]\.items\[0\]\.quantity.*at most 2/);
    at(1, /shipments\[1\]\.items\[0\]\.quantity.*positive integer/);
    at(2, /shipments\[2\]\.items\[0\]\.id.*not an item of order/);
    at(3, /shipments\[3\]\.tracking_url.*http\(s\)/);
    at(4, /shipments\[4\].*order_id.*order_external_ref/);
    m = await merchantOrder(w.url, w.merchantToken, order.id, LINE_FIELDS);
    assert.deepEqual(m.lines.map((l: any) => l.fulfilledQuantity), [2, 0, 1]);

    // Parcel 2, by the order's external reference, items omitted: everything left. The order is dispatched.
    const second = expectData(
      await createShipments(w, w.supplierToken, [{ order_external_ref: order.externalReference, shipping_carrier: 'UPS', tracking_url: 'http://ups.example/T2' }]),
    ).core.createShipments;
    assert.deepEqual(second[0].items.map((i: any) => [i.id, i.quantity]), [[b, 1], [c, 2]]);
    m = await merchantOrder(w.url, w.merchantToken, order.id, LINE_FIELDS);
    assert.deepEqual(m.lines.map((l: any) => [l.status, l.fulfilledQuantity]), [['FULFILLED', 2], ['FULFILLED', 1], ['FULFILLED', 3]]);
    assert.deepEqual([m.state, m.status], ['COMPLETED', 8]);

    const f = expectData(await fulfillerOrder(w.url, w.supplierToken, order.number, `status status_name items { id quantity fulfilled_quantity } shipments { ${SHIPMENT_FIELDS} }`)).core.order;
    assert.deepEqual([f.status, f.status_name], [8, 'Dispatched']);
    assert.deepEqual(f.items.map((i: any) => i.fulfilled_quantity), [2, 1, 3]);
    assert.deepEqual(f.shipments.map((s: any) => s.tracking_url), ['https://track.example/T1', 'http://ups.example/T2']);

    // Nothing is left: a third parcel is over-shipping.
    const third = await createShipments(w, w.supplierToken, [{ order_id: order.number }]);
    assertErrorAt(third.body, { path: ['core', 'createShipments', 0], code: 'BAD_USER_INPUT', message: /nothing is left to ship/ });

    // Another tenant's supplier: NOT_FOUND, as for orders.
    const foreign = await createShipments(w, stranger.supplierToken, [{ order_id: other.number }]);
    assertErrorAt(foreign.body, { path: ['core', 'createShipments', 0], code: 'NOT_FOUND' });
  });

  it('two concurrent shipments of the last unit of a line: exactly one succeeds', async () => {
    const orders = await Promise.all(Array.from({ length: 4 }, () => createOrder(w, { lines: [{ sku: 'LAST', label: 'last', quantity: 1, price: 1 }] })));
    for (const order of orders) {
      const tries = await Promise.all(
        [1, 2, 3].map(() => createShipments(w, w.supplierToken, [{ order_id: order.number, items: [{ external_ref: 'LAST', quantity: 1 }] }])),
      );
      const won = tries.filter((r) => r.body.data?.core.createShipments?.[0] != null);
      assert.equal(won.length, 1, JSON.stringify(tries.map((r) => r.body)));
      for (const r of tries) if (r !== won[0]) assert.equal(r.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      const m = await merchantOrder(w.url, w.merchantToken, order.id, 'state lines { fulfilledQuantity status }');
      assert.deepEqual([m.state, m.lines[0].fulfilledQuantity, m.lines[0].status], ['COMPLETED', 1, 'FULFILLED']);
    }
  });
});
