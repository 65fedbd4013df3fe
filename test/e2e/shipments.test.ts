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
import { createClient, createOrganization, getToken } from '../support/oauth.ts';
import {
  assertErrorAt,
  createOrder,
  expectData,
  FULFILLER_PATH,
  fulfillerOrder,
  fulfillerOrders,
  merchantOrder,
  updateOrdersOk,
  type FulfillerWorld,
} from '../support/fulfiller.ts';
import { FULFILLER_SCOPES, MERCHANT_SCOPES } from '../support/scopes.ts';

const SHIPMENT_FIELDS = 'id order_id tracking_number tracking_url shipping_carrier items { id external_ref quantity } state last_event created_datetime';
const CREATE = `mutation($s: [ShipmentInput]) { core { createShipments(shipments: $s) { ${SHIPMENT_FIELDS} } } }`;
const LINES = [
  { sku: 'A', label: 'A', quantity: 2, price: 5 },
  { sku: 'B', label: 'B', quantity: 1, price: 5 },
  { sku: 'C', label: 'C', quantity: 3, price: 5 },
];
const LINE_FIELDS = 'state status locked lines { id sku status fulfilledQuantity }';

const createShipments = (w: FulfillerWorld, token: string, s: unknown[]) => gql(w.url, token, CREATE, { s }, FULFILLER_PATH);

const MERCHANT_SHIPMENT = `id reference tracking trackingUrl carrierName state lastEvent details { sku quantity orderLineId }
  events { nodes { event date message location city country } } deliveryOrder { id number } createdAt`;
const SHIPMENT_CREATE = `mutation($input: ShipmentInput!) { shipmentCreate(input: $input) { id shipment { ${MERCHANT_SHIPMENT} } } }`;
const ADD_EVENT = `mutation($input: ShipmentAddEventInput!) { shipmentAddEvent(input: $input) { id state lastEvent events { nodes { event date city } } } }`;
const SHIPMENT_SCOPES = 'view_orders view_delivery_orders view_shipments create_shipments edit_shipments';

describe('shipments', () => {
  let server: TestServer;
  let w: FulfillerWorld;
  /** A merchant token with the shipment scopes too (w.merchantToken is the same client narrowed to the order scopes). */
  let merchant: string;
  /** Another tenant: a merchant client that may also use the Fulfiller API, on its own organization only. */
  let strangerMerchant: string;

  before(async () => {
    server = await startServer();
    // Few CLI calls (each is a process): one world with one client per side, and one stranger.
    const supplier = await createOrganization(server, { kind: 'SUPPLIER' });
    const merchantOrg = await createOrganization(server, { kind: 'MERCHANT', defaultSupplier: supplier.id });
    const strangerOrg = await createOrganization(server, { kind: 'MERCHANT', defaultSupplier: supplier.id });
    const merchantClient = await createClient(server, { org: merchantOrg.id, scopes: `${MERCHANT_SCOPES} ${SHIPMENT_SCOPES}` });
    const supplierClient = await createClient(server, { org: supplier.id, scopes: FULFILLER_SCOPES, access: [merchantOrg.id] });
    const strangerClient = await createClient(server, { org: strangerOrg.id, scopes: `${SHIPMENT_SCOPES} ${FULFILLER_SCOPES}` });
    const [merchantToken, supplierToken] = await Promise.all([getToken(server.url, merchantClient, { scope: MERCHANT_SCOPES }), getToken(server.url, supplierClient)]);
    w = { url: server.url, supplier, merchant: merchantOrg, merchantClient, supplierClient, merchantToken, supplierToken };
    [merchant, strangerMerchant] = await Promise.all([getToken(server.url, merchantClient), getToken(server.url, strangerClient)]);
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

    // updateOrders keeps working beside shipments: a status and a shipping_tracking; shipped lines keep their status.
    await updateOrdersOk(w.url, w.supplierToken, [{ id: order.number, status: 4, shipping_tracking: 'TRK-1' }]);
    m = await merchantOrder(w.url, w.merchantToken, order.id, `${LINE_FIELDS} shippingTracking`);
    assert.deepEqual(m.lines.map((l: any) => l.status), ['FULFILLED', 'IN_PROGRESS', 'PARTIALLY_FULFILLED']);
    assert.deepEqual([m.status, m.shippingTracking], [4, 'TRK-1']);

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

    // The merchant reads both parcels, their tracking URLs and what is in them, on the order and its delivery order.
    const mo = await merchantOrder(w.url, merchant, order.id, `state deliveryOrders { number state status fulfilled: lines { fulfilledQuantity status } shipments { trackingUrl } } shipments { ${MERCHANT_SHIPMENT} }`);
    assert.deepEqual(mo.shipments.map((s: any) => [s.trackingUrl, s.carrierName, s.details.map((d: any) => `${d.sku}x${d.quantity}`).join(',')]), [
      ['https://track.example/T1', 'DHL', 'Ax2,Cx1'],
      ['http://ups.example/T2', 'UPS', 'Bx1,Cx2'],
    ]);
    assert.ok(mo.shipments.every((s: any) => s.deliveryOrder.number === order.number && s.state === 'OPENED' && s.lastEvent === 'NEW'));
    const [d] = mo.deliveryOrders;
    assert.deepEqual([d.number, d.state, d.status], [order.number, 'COMPLETED', 8]);
    assert.deepEqual(d.shipments.map((s: any) => s.trackingUrl), ['https://track.example/T1', 'http://ups.example/T2']);

    // Nothing is left: a third parcel is over-shipping.
    const third = await createShipments(w, w.supplierToken, [{ order_id: order.number }]);
    assertErrorAt(third.body, { path: ['core', 'createShipments', 0], code: 'BAD_USER_INPUT', message: /nothing is left to ship/ });

    // Another tenant's supplier: NOT_FOUND, as for orders.
    const foreign = await createShipments(w, strangerMerchant, [{ order_id: other.number }]);
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

    // Several orders in one response (their shipments read together, shipment-loader.ts): each gets its own.
    const listed = expectData(await fulfillerOrders(w.url, w.supplierToken, { ids: orders.map((o) => o.number) }, 'id shipments { order_id }')).core.orders;
    assert.deepEqual(
      listed.map((o: any) => [o.id, o.shipments.map((s: any) => s.order_id)]).sort(),
      orders.map((o) => [o.number, [o.number]]).sort(),
    );
    const aliased = expectData(
      await gql(w.url, merchant, `{ ${orders.map((o, i) => `o${i}: order(id: "${o.id}") { shipments { orderId } deliveryOrders { shipments { deliveryOrder { number } } } }`).join(' ')} }`),
    );
    orders.forEach((o, i) => {
      const got = aliased[`o${i}`];
      assert.deepEqual(got.shipments.map((s: any) => s.orderId), [o.id]);
      assert.deepEqual(got.deliveryOrders[0].shipments.map((s: any) => s.deliveryOrder.number), [o.number]);
    });
  });

  it('creates a shipment, follows the carrier to DELIVERED, refuses bad input, and hides it from another tenant', async () => {
    const order = await createOrder(w, { lines: [{ sku: 'X', label: 'X', quantity: 2, price: 1 }, { sku: 'Y', label: 'Y', quantity: 1, price: 1 }] });
    const [d] = (await merchantOrder(w.url, merchant, order.id, 'deliveryOrders { id number }')).deliveryOrders;
    const input = { deliveryOrderId: d.id, carrierName: 'Colissimo', tracking: '6C1', trackingUrl: 'https://laposte.example/6C1', reference: 'R-1', weight: 1.5 };

    // Refused, nothing written.
    const bad = async (extra: Record<string, unknown>, field: RegExp) => {
      const r = await gql(w.url, merchant, SHIPMENT_CREATE, { input: { ...input, ...extra } });
      assert.equal(r.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r.body));
      assert.match(r.body.errors[0].message, field);
    };
    await bad({ details: [{ sku: 'X', quantity: 3 }] }, /input\.details\[0\]\.quantity.*at most 2/);
    await bad({ details: [{ sku: 'X', quantity: 0 }] }, /input\.details\[0\]\.quantity.*positive/);
    await bad({ details: [{ sku: 'NOPE', quantity: 1 }] }, /input\.details\[0\]\.sku/);
    await bad({ trackingUrl: 'ftp://laposte.example/6C1' }, /input\.trackingUrl.*http\(s\)/);
    assert.deepEqual((await merchantOrder(w.url, merchant, order.id, 'shipments { id }')).shipments, []);

    const created = expectData(await gql(w.url, merchant, SHIPMENT_CREATE, { input: { ...input, details: [{ sku: 'X', quantity: 1 }] } })).shipmentCreate;
    const s = created.shipment;
    assert.equal(created.id, s.id);
    assert.deepEqual([s.state, s.lastEvent, s.trackingUrl, s.carrierName, s.reference], ['OPENED', 'NEW', 'https://laposte.example/6C1', 'Colissimo', 'R-1']);
    assert.deepEqual(s.details.map((x: any) => [x.sku, x.quantity]), [['X', 1]]);
    assert.deepEqual(s.deliveryOrder, { id: d.id, number: d.number });
    let lines = (await merchantOrder(w.url, merchant, order.id, 'lines { status fulfilledQuantity }')).lines;
    assert.deepEqual(lines.map((l: any) => [l.status, l.fulfilledQuantity]), [['PARTIALLY_FULFILLED', 1], ['ACCEPTED', 0]]);

    // Carrier events up to DELIVERED; a date more than a day ahead, before the shipment, or an unknown event is refused.
    const event = (e: Record<string, unknown>) => gql(w.url, merchant, ADD_EVENT, { input: { shipmentId: s.id, ...e } });
    const soon = (ms: number) => new Date(Date.parse(s.createdAt) + ms).toISOString();
    for (const [e, field] of [
      [{ event: 'IN_TRANSIT', date: soon(3 * 24 * 3600e3) }, /input\.date.*future/],
      [{ event: 'IN_TRANSIT', date: soon(-3600e3) }, /input\.date.*before/],
      [{ event: 'TELEPORTED', date: soon(1000) }, /event/],
    ] as const) {
      const r = await event(e);
      assert.equal(r.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r.body));
      assert.match(r.body.errors[0].message, field);
    }
    let after = expectData(await event({ event: 'IN_TRANSIT', date: soon(1000), city: 'Lyon', country: 'FR' })).shipmentAddEvent;
    assert.deepEqual([after.state, after.lastEvent], ['OPENED', 'IN_TRANSIT']);
    after = expectData(await event({ event: 'DELIVERED', date: soon(2000), city: 'Paris' })).shipmentAddEvent;
    assert.deepEqual([after.state, after.lastEvent], ['COMPLETED', 'DELIVERED']);
    assert.deepEqual(after.events.nodes.map((n: any) => [n.event, n.city]), [['IN_TRANSIT', 'Lyon'], ['DELIVERED', 'Paris']]);
    const read = expectData(await gql(w.url, merchant, `query($id: String!) { shipment(shipmentId: $id) { ${MERCHANT_SHIPMENT} } }`, { id: s.id })).shipment;
    assert.deepEqual([read.state, read.lastEvent, read.events.nodes.length], ['COMPLETED', 'DELIVERED', 2]);

    // The rest, details omitted: the delivery order is dispatched and COMPLETED, the order rolls up.
    expectData(await gql(w.url, merchant, SHIPMENT_CREATE, { input: { deliveryOrderId: d.id, carrierName: 'Colissimo' } }));
    const m = await merchantOrder(w.url, merchant, order.id, 'state status lines { status fulfilledQuantity } deliveryOrders { state status shipments { id } }');
    assert.deepEqual([m.state, m.status, m.deliveryOrders[0].state, m.deliveryOrders[0].status, m.deliveryOrders[0].shipments.length], ['COMPLETED', 8, 'COMPLETED', 8, 2]);
    lines = m.lines;
    assert.deepEqual(lines.map((l: any) => [l.status, l.fulfilledQuantity]), [['FULFILLED', 2], ['FULFILLED', 1]]);
    const over = await gql(w.url, merchant, SHIPMENT_CREATE, { input: { deliveryOrderId: d.id, carrierName: 'Colissimo' } });
    assert.equal(over.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');

    // Every step was an event, in the feed.
    const feed = expectData(await gql(w.url, w.merchantToken, '{ events(first: 1000) { edges { node { header { type } body } } } }')).events.edges;
    const types = feed.map((e: any) => e.node.header.type);
    for (const t of ['shipment/created', 'shipment/shipping_event', 'shipment/delivered', 'delivery-order/completed']) assert.ok(types.includes(t), `${t} in ${types}`);
    const delivered = feed.find((e: any) => e.node.header.type === 'shipment/delivered');
    assert.equal(delivered.node.body.id, s.id);

    // Another tenant: NOT_FOUND for the shipment, its events and its delivery order.
    const foreign = await gql(w.url, strangerMerchant, `query($id: String!) { shipment(shipmentId: $id) { id } }`, { id: s.id });
    assert.equal(foreign.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const foreignEvent = await gql(w.url, strangerMerchant, ADD_EVENT, { input: { shipmentId: s.id, event: 'EXCEPTION', date: soon(3000) } });
    assert.equal(foreignEvent.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const foreignCreate = await gql(w.url, strangerMerchant, SHIPMENT_CREATE, { input: { deliveryOrderId: d.id, carrierName: 'x' } });
    assert.equal(foreignCreate.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    // A token without the scope is told which one it lacks.
    const noScope = await gql(w.url, w.merchantToken, `query($id: String!) { shipment(shipmentId: $id) { id } }`, { id: s.id });
    assert.equal(noScope.body.errors?.[0]?.extensions?.code, 'INSUFFICIENT_SCOPE');
  });
});
