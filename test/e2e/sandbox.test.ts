/**
 * Sandbox fulfiller (SPEC §12, issue #20) end to end, one server: a simulated supplier walks an opened order to
 * COMPLETED with a tracked, DELIVERED parcel, as its own client; the merchant's webhook receiver gets exactly the
 * event sequence that the same steps produce when a real fulfiller drives them by hand; every fault at rate 1
 * happens with its reason; a cancellation is refused with one; the demo's supplier is a sandbox; `org list` shows the
 * simulation and `--off` ends it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { gql } from '../support/graphql.ts';
import { createClient, createOrganization, getToken, type Organization } from '../support/oauth.ts';
import { pollUntil } from '../support/poll.ts';
import { DashboardClient } from '../support/dashboard-http.ts';
import { subscribeReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { createOrder, expectData, FULFILLER_PATH, settledRequest, updateOrdersOk } from '../support/fulfiller.ts';
import { FULFILLER_SCOPES, MERCHANT_SCOPES } from '../support/scopes.ts';

const MERCHANT = `${MERCHANT_SCOPES} view_delivery_orders view_shipments edit_shipments`;
const SHIPMENT = 'id tracking trackingUrl carrierName lastEvent state details { sku quantity } events { nodes { event message city country } }';
const ORDER = `id number state status deliveryOrders { id number state status statusName reason reasonCode
  events { type level message } shipments { ${SHIPMENT} } }`;
const TWO_UNITS = [{ sku: 'POSTER-A2', label: 'Poster A2', quantity: 2, price: 15 }];

describe('sandbox fulfiller', () => {
  let server: TestServer;
  let sandbox: Organization;
  let hand: Organization;
  let merchant: string;
  let handToken: string;
  let receiver: WebhookReceiver;

  const order = async (id: string) => expectData(await gql(server.url, merchant, `query($id: String!) { order(id: $id) { ${ORDER} } }`, { id })).order;
  const simulate = (...args: string[]) => server.cli(['sandbox', '--supplier', sandbox.id, '--seed', 'e2e', '--speed', '1000', ...args, '--json']);
  /** Waits until the order is COMPLETED and its parcels are delivered (or `until` says it is done). */
  const settled = (id: string, until = (o: any) => o.state === 'COMPLETED' && o.deliveryOrders[0].shipments.every((s: any) => s.lastEvent === 'DELIVERED')) =>
    pollUntil(async () => {
      const o = await order(id);
      return until(o) && o;
    }, { timeoutMs: 30_000, intervalMs: 100, message: `order ${id} did not settle` });
  /** The merchant's webhook events of one order, as a receiver compares them: type, status and state. */
  const eventsOf = (id: string) =>
    receiver.uniqueAccepted().map((r) => r.body).filter((b) => (b.body.orderId ?? b.body.id) === id)
      .map((b) => `${b.header.type} ${b.body.status ?? ''} ${b.body.state ?? ''}`.trim());

  before(async () => {
    // ORDERGRAPH_SANDBOX as a user gets it (test servers turn it off): the demo's supplier is a sandbox.
    server = await startServer({ env: { ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true', ORDERGRAPH_SANDBOX: 'true' } });
    [sandbox, hand] = await Promise.all([createOrganization(server, { kind: 'SUPPLIER' }), createOrganization(server, { kind: 'SUPPLIER' })]);
    const m = await createOrganization(server, { kind: 'MERCHANT', defaultSupplier: sandbox.id });
    await server.cli(['org', 'connect', '--merchant', m.id, '--supplier', hand.id, '--json']);
    const [mc, hc] = await Promise.all([
      createClient(server, { org: m.id, scopes: MERCHANT }),
      createClient(server, { org: hand.id, scopes: `${FULFILLER_SCOPES} view_shipments create_shipments edit_shipments`, access: [m.id] }),
    ]);
    [merchant, handToken] = await Promise.all([getToken(server.url, mc), getToken(server.url, hc)]);
    receiver = await subscribeReceiver(server, m.id, []);
  });
  after(async () => {
    await receiver?.stop();
    await server?.stop();
  });

  it('walks an opened order to COMPLETED and DELIVERED as its own client, and a real fulfiller driving the same steps gives the same events', async () => {
    const on = await simulate();
    assert.deepEqual([on.sandbox, on.speed, on.seed], [true, 1000, 'e2e']);
    const listed = (await server.cli(['org', 'list', '--json'])).find((o: any) => o.id === sandbox.id);
    assert.deepEqual(listed.simulated, { speed: 1000, seed: 'e2e', faults: on.faults });

    const simulated = await createOrder({ url: server.url, merchantToken: merchant }, { lines: TWO_UNITS });
    const done = await settled(simulated.id);
    const d = done.deliveryOrders[0];
    assert.deepEqual([done.status, d.state, d.status], [8, 'COMPLETED', 8]);
    assert.equal(d.shipments.length, 1);
    const [parcel] = d.shipments;
    assert.match(parcel.trackingUrl, /^https:\/\//);
    assert.ok(parcel.tracking && parcel.carrierName);
    assert.deepEqual(parcel.events.nodes.map((e: any) => e.event), ['INFO_RECEIVED', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED']);
    // History names the sandbox's client.
    const history = expectData(await gql(server.url, merchant, 'query($id: String!) { order(id: $id) { events { clientId action } } }', { id: simulated.id })).order.events;
    assert.ok(history.some((h: any) => h.clientId === on.client_id), JSON.stringify(history));

    // The same steps by hand, as a real fulfiller's integration would send them.
    const byHand = await createOrder({ url: server.url, merchantToken: merchant }, { lines: TWO_UNITS, supplierId: hand.id });
    for (const status of [513, 4, 517]) await updateOrdersOk(server.url, handToken, [{ id: byHand.number, status }]);
    const ship = `mutation($s: [ShipmentInput]) { core { createShipments(shipments: $s) { id } } }`;
    const s = [{ order_id: byHand.number, shipping_carrier: parcel.carrierName, tracking_number: parcel.tracking, tracking_url: parcel.trackingUrl }];
    const [{ id: shipmentId }] = expectData(await gql(server.url, handToken, ship, { s }, FULFILLER_PATH)).core.createShipments;
    for (const e of parcel.events.nodes) {
      const input = { shipmentId, event: e.event, date: new Date().toISOString(), message: e.message, city: e.city, country: e.country };
      expectData(await gql(server.url, handToken, 'mutation($input: ShipmentAddEventInput!) { shipmentAddEvent(input: $input) { id } }', { input }));
    }
    await settled(byHand.id);
    const expected = await pollUntil(() => eventsOf(byHand.id).some((e) => e.startsWith('shipment/delivered')) && eventsOf(byHand.id), { timeoutMs: 30_000 });
    await pollUntil(() => eventsOf(simulated.id).length >= expected.length, { timeoutMs: 30_000, message: 'sandbox events did not all arrive' });
    assert.deepEqual(eventsOf(simulated.id), expected);
  });

  it('at rate 1 each fault happens and says why: rejection; On Hold, QC Query and a partial shipment', async () => {
    await simulate('--faults', 'reject=1');
    const rejected = await createOrder({ url: server.url, merchantToken: merchant }, { lines: TWO_UNITS });
    const r = (await settled(rejected.id, (o) => o.deliveryOrders[0].state === 'REJECTED')).deliveryOrders[0];
    assert.ok(r.reason.length > 10 && r.reasonCode, JSON.stringify(r));

    await simulate('--faults', 'qc=1,hold=1,partial=1');
    const faulty = await createOrder({ url: server.url, merchantToken: merchant }, { lines: TWO_UNITS });
    // One unit cannot be split: it leaves whole, and is still tracked to DELIVERED.
    const single = await createOrder({ url: server.url, merchantToken: merchant }, { lines: [{ ...TWO_UNITS[0], quantity: 1 }] });
    assert.equal((await settled(single.id)).deliveryOrders[0].shipments.length, 1);
    const d = (await settled(faulty.id)).deliveryOrders[0];
    const said = (text: string) => d.events.find((e: any) => e.message?.includes(text));
    assert.ok(said('On Hold') && said('QC Query'), JSON.stringify(d.events));
    assert.ok(d.events.filter((e: any) => e.level === 'WARNING').length >= 2, JSON.stringify(d.events));
    assert.deepEqual(d.shipments.map((s: any) => s.details[0].quantity), [1, 1]);
    assert.ok(d.shipments.every((s: any) => s.state === 'COMPLETED'));
  });

  it('refuses a cancellation with a reason, before and during production', async () => {
    // Slow, so the order is still before production when the merchant cancels.
    await server.cli(['sandbox', '--supplier', sandbox.id, '--speed', '0.01', '--faults', 'refuse-cancel=1', '--json']);
    const o = await createOrder({ url: server.url, merchantToken: merchant }, { lines: TWO_UNITS });
    const cancel = async () => {
      const req = expectData(await gql(server.url, merchant, 'mutation($id: String!) { orderCancel(id: $id) { id } }', { id: o.id })).orderCancel;
      return settledRequest(server.url, merchant, req.id);
    };
    const first = await cancel();
    assert.equal(first.state, 'REJECTED');
    assert.match(first.message, /production has started/);
    const d = (await order(o.id)).deliveryOrders[0];
    assert.equal(d.status, 4);
    assert.ok(d.events.some((e: any) => e.message?.includes('Cancellation refused')), JSON.stringify(d.events));
    // In production now: refused again, and the shop says so again.
    const second = await cancel();
    assert.equal(second.state, 'REJECTED');
    const notes = (await order(o.id)).deliveryOrders[0].events.filter((e: any) => e.message?.includes('Cancellation refused'));
    assert.equal(notes.length, 2);
  });

  it('in demo mode the demo supplier is a sandbox: an order opened after seeding is worked, the seeded ones wait for the tours', async () => {
    const demo = await server.cli(['demo', '--json']);
    const listed = (await server.cli(['org', 'list', '--json'])).find((o: any) => o.id === demo.supplier.org_id);
    assert.ok(listed.simulated, JSON.stringify(listed));
    const token = await getToken(server.url, demo.merchant);
    const opened = await createOrder({ url: server.url, merchantToken: token });
    const read = async (id: string) =>
      expectData(await gql(server.url, token, 'query($id: String!) { order(id: $id) { deliveryOrders { status } } }', { id })).order.deliveryOrders[0].status;
    await pollUntil(async () => (await read(opened.id)) !== 1, { timeoutMs: 30_000, message: 'the demo sandbox did not accept the order' });
    const seeded = demo.orders.find((o: any) => o.state === 'OPENED');
    assert.equal(await read(seeded.id), 1);
    // The dashboard marks the simulated supplier.
    const page = new DashboardClient(server.url);
    assert.equal((await page.signIn(demo.merchant.user.email, demo.merchant.user.password)).status, 303);
    assert.match((await page.get(`/dashboard/orders/${opened.id}`)).body, /Demo Print Shop <span[^>]*>\[sandbox\]<\/span>/);
  });

  it('takes bad settings with a clear error, and stops with --off', async () => {
    const refusal = async (...args: string[]) => {
      const r = await server.cliResult(['sandbox', ...args, '--json']);
      assert.notEqual(r.code, 0);
      return JSON.parse(r.stdout).error.message as string;
    };
    assert.match(await refusal('--supplier', sandbox.id, '--faults', 'explode=1'), /^`--faults` has an unknown fault "explode"/);
    assert.match(await refusal('--supplier', sandbox.id, '--faults', 'qc=2'), /^`--faults` rate of qc must be from 0 to 1/);
    assert.match(await refusal('--supplier', sandbox.id, '--speed', '0'), /^`--speed` must be/);
    assert.match(await refusal('--supplier', '00000000-0000-4000-8000-000000000000'), /^`--supplier` must be the id of an existing SUPPLIER/);
    const off = await server.cli(['sandbox', '--off', '--supplier', sandbox.id, '--json']);
    assert.deepEqual(off, { supplier_id: sandbox.id, sandbox: false });
    assert.equal((await server.cli(['org', 'list', '--json'])).find((x: any) => x.id === sandbox.id).simulated, null);
  });
});
