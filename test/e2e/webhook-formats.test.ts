/**
 * Webhook formats end to end (SPEC §9, issue #16): one server, and a receiver per format written the way its
 * platform's docs say to verify a request, not with our own signing code:
 * - HappyColis ("Webhook Signature Verification"): HMAC-SHA256 of the raw body keyed with the secret the receiver
 *   already has, base64, compared in constant time with `x-happycolis-webhook-signature`;
 * - KornitX (supplier API / Generic API notification): the same HMAC in `X-CustomGateway-Hmac`; a supplier gets
 *   the order push (POST), a merchant the status callbacks (PUT);
 * - Standard Webhooks: the `standardwebhooks` package, with a secret the receiver chose.
 * Runs on SQLite and (TEST_DB=postgres) on PostgreSQL.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createClient, getToken } from '../support/oauth.ts';
import { gql } from '../support/graphql.ts';
import { openDirectDb, type DirectDb } from '../support/direct-db.ts';
import { createTenant, dataOf, expectGraphQLError, fulfillerSetStatus, orderInput, type Tenant } from '../support/orders-api.ts';
import { startReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { EVENT_TYPES } from '../../src/webhooks/outbox.ts';
import { messageIdFor } from '../../src/webhooks/webhook-signing.ts';

const CREATE = 'mutation($i: WebhookInput!) { webhookCreate(input: $i) { id format secret } }';
const LIST = '{ webhooks(first: 10) { edges { node { id format secret } } } }';

/** A receiver's own verification, as the HappyColis and KornitX docs describe it: raw body, base64, constant time. */
function bodyHmacVerifies(secret: string, r: ReceivedWebhook, header: string): boolean {
  const expected = Buffer.from(createHmac('sha256', secret).update(r.rawBody, 'utf8').digest('base64'));
  const given = Buffer.from(String(r.headers[header] ?? ''));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

interface OutboxRow {
  id: number;
  order_id: string;
  type: string;
  payload: string;
}

describe('webhook formats', () => {
  let server: TestServer;
  let db: DirectDb;
  let t: Tenant;
  let supplierIntegrations: string;
  const receivers: WebhookReceiver[] = [];

  const outbox = async (orgId: string): Promise<OutboxRow[]> =>
    (await db.query<OutboxRow>('SELECT id, order_id, type, payload FROM outbox_events WHERE organization_id = $1 ORDER BY id', [orgId])).map((r) => ({
      ...r,
      id: Number(r.id),
    }));

  /** A webhook of the token's organization on a new receiver; the secret it was created with. */
  async function subscribe(token: string, input: Record<string, unknown>): Promise<{ rx: WebhookReceiver; id: string; secret: string }> {
    const rx = await startReceiver();
    receivers.push(rx);
    const w = dataOf(await gql(server.url, token, CREATE, { i: { endpoint: rx.url, ...input } }), 'webhookCreate');
    assert.equal(w.format, input.format ?? 'STANDARD');
    return { rx, id: w.id, secret: w.secret };
  }

  before(async () => {
    server = await startServer({ env: { ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true', ORDERGRAPH_WEBHOOK_RETRY_BASE_MS: '100' } });
    db = await openDirectDb(server);
    t = await createTenant(server, { merchantScopes: 'view_orders create_orders edit_orders edit_integrations view_shipments edit_shipments' });
    supplierIntegrations = await getToken(server.url, await createClient(server, { org: t.supplier.id, scopes: 'edit_integrations' }));
  });
  after(async () => {
    await db?.close();
    await server?.stop();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  it('refuses a secret that cannot sign for its format, naming `secret`, and shows a secret only once', async () => {
    const call = (i: Record<string, unknown>) => t.api.call(CREATE, { i: { endpoint: 'https://example.com/h', ...i } });
    expectGraphQLError(await call({ format: 'HAPPYCOLIS', secret: 'x'.repeat(23) }), 'BAD_USER_INPUT', ['`secret` must be 24 to 256 characters']);
    expectGraphQLError(await call({ format: 'KORNITX', secret: 'y'.repeat(257) }), 'BAD_USER_INPUT', ['`secret` must be 24 to 256 characters']);
    expectGraphQLError(await call({ secret: 'not-a-standard-webhooks-secret' }), 'BAD_USER_INPUT', ['`secret` must be a Standard Webhooks secret']);
    expectGraphQLError(await call({ format: 'SOAP' }), 'BAD_USER_INPUT', ['format']);
    const created = dataOf(await call({ format: 'KORNITX' }), 'webhookCreate');
    assert.ok(created.secret.length >= 24, 'a generated secret is returned at creation');
    const listed = dataOf(await t.api.call(LIST), 'webhooks').edges.map((e: any) => e.node);
    assert.deepEqual(listed, [{ id: created.id, format: 'KORNITX', secret: null }]);
    assert.equal(dataOf(await t.api.call('mutation($id: String!) { webhookDelete(id: $id) }', { id: created.id }), 'webhookDelete'), true);
  });

  it("delivers every event in each platform's format, verified as its docs say, in order per order", async () => {
    // A HappyColis receiver keeps the client secret it already verifies with; the others bring their own too.
    const happycolisSecret = randomBytes(32).toString('hex');
    const hc = await subscribe(t.api.token, { format: 'HAPPYCOLIS', secret: happycolisSecret, headers: { 'X-Api-Key': 'k' } });
    const std = await subscribe(t.api.token, { secret: `whsec_${randomBytes(24).toString('base64')}` });
    const callbacks = await subscribe(t.api.token, { format: 'KORNITX', secret: randomBytes(30).toString('base64url') });
    const push = await subscribe(supplierIntegrations, { format: 'KORNITX', secret: randomBytes(30).toString('base64url') });

    // The story of webhooks.test.ts: a is updated, opened, put in production, a late update is refused, and it is
    // shipped in two parcels, the last delivered by the carrier; b is opened and cancelled; c is refused by the supplier.
    const a = dataOf(await t.api.call('mutation($i: OrderInput!) { orderCreate(input: $i) { id number } }', { i: orderInput() }), 'orderCreate');
    await t.api.settled((await t.api.update({ id: a.id, comment: 'second' })).id);
    await t.api.settled((await t.api.open(a.id)).id);
    await fulfillerSetStatus(server.url, t.supplierToken, [a.number], 4);
    await t.api.settled((await t.api.update({ id: a.id, comment: 'too late' })).id);
    const item = dataOf(await gql(server.url, t.supplierToken, `{ core { order(id: ${a.number}) { items { id } } } }`, undefined, FULFILLER), 'core').order.items[0].id;
    let lastParcel = '';
    for (const tracking of ['PARCEL-1', 'PARCEL-2']) {
      const parcel = { order_id: a.number, items: [{ id: item, quantity: 1 }], shipping_carrier: 'Hermes', tracking_number: tracking, tracking_url: `https://track.example/${tracking}` };
      const shipped = await gql(server.url, t.supplierToken, 'mutation($s: [ShipmentInput]) { core { createShipments(shipments: $s) { id } } }', { s: [parcel] }, FULFILLER);
      lastParcel = dataOf(shipped, 'core').createShipments[0].id;
      assert.ok(lastParcel);
    }
    // The carrier delivers the last parcel: shipment/shipping_event and shipment/delivered.
    const delivered = await t.api.call('mutation($i: ShipmentAddEventInput!) { shipmentAddEvent(input: $i) { state } }', {
      i: { shipmentId: lastParcel, event: 'DELIVERED', date: new Date().toISOString() },
    });
    assert.equal(dataOf(delivered, 'shipmentAddEvent').state, 'COMPLETED');
    const b = dataOf(await t.api.tryCreate(orderInput({ state: 'OPENED' })), 'orderCreate');
    await t.api.settled((await t.api.cancel(b.id)).id);
    const c = dataOf(await t.api.tryCreate(orderInput({ state: 'OPENED' })), 'orderCreate');
    const refused = await gql(server.url, t.supplierToken, `mutation { core { rejectOrders(orders: [{id: ${c.number}, reason: "out of stock"}]) { id } } }`, undefined, FULFILLER);
    assert.equal(dataOf(refused, 'core').rejectOrders[0].id, c.number);

    const merchantEvents = await outbox(t.merchant.id);
    assert.deepEqual([...new Set(merchantEvents.map((e) => e.type))].sort(), [...EVENT_TYPES].sort(), 'the story produces every event type');
    const callbackEvents = merchantEvents.filter((e) => e.type === 'order/status-changed' || e.type === 'shipment/created');
    const routed = (await outbox(t.supplier.id)).filter((e) => e.type === 'delivery-order/created');
    assert.equal(routed.length, 3, 'the supplier is told of each delivery order routed to it');
    const arrived = (rx: WebhookReceiver, n: number) => rx.waitFor(() => rx.accepted().length >= n, { timeoutMs: 60_000, message: `${n} deliveries` });
    await Promise.all([arrived(hc.rx, merchantEvents.length), arrived(std.rx, merchantEvents.length), arrived(callbacks.rx, callbackEvents.length), arrived(push.rx, routed.length)]);

    // HAPPYCOLIS and STANDARD: every event once (deduped on messageId), the envelope, in order per order.
    for (const [name, { rx, id, secret }] of Object.entries({ hc, std })) {
      const firsts = new Map<string, ReceivedWebhook>();
      for (const r of rx.accepted()) {
        if (name === 'hc') assert.ok(bodyHmacVerifies(secret, r, 'x-happycolis-webhook-signature'), 'HappyColis signature');
        else rx.verify(secret, r);
        assert.deepEqual([r.body.header.webhookId, r.body.header.organizationId], [id, t.merchant.id]);
        if (!firsts.has(r.body.header.messageId)) firsts.set(r.body.header.messageId, r);
      }
      assert.equal(firsts.size, merchantEvents.length, `${name}: one delivery per event`);
      for (const orderId of new Set(merchantEvents.map((e) => e.order_id))) {
        const expected = merchantEvents.filter((e) => e.order_id === orderId).map((e) => messageIdFor(id, e.id));
        const got = [...firsts.keys()].filter((m) => expected.includes(m));
        assert.deepEqual(got, expected, `${name}: order ${orderId}'s events in the order they happened`);
      }
    }
    assert.equal(hc.rx.accepted()[0].headers['x-api-key'], 'k');
    assert.equal(hc.rx.accepted()[0].headers['webhook-signature'], undefined, 'a HappyColis delivery carries only its own signature');

    // KORNITX merchant: one signed PUT per status change and per parcel, in order per order; a parcel and a
    // cancellation are each new once.
    assert.ok(callbacks.rx.accepted().every((r) => r.method === 'PUT' && bodyHmacVerifies(callbacks.secret, r, 'x-customgateway-hmac')));
    for (const order of [a, b, c]) {
      const sent = callbacks.rx.accepted().filter((r) => r.body.ref === order.id);
      const expected = callbackEvents
        .filter((e) => e.order_id === order.id)
        .map((e) => (e.type === 'shipment/created' ? `parcel ${JSON.parse(e.payload).tracking}` : `status ${JSON.parse(e.payload).status}`));
      const got = sent.map((r) => (r.body.new_shipments.length ? `parcel ${r.body.new_shipments[0].tracking}` : `status ${r.body.status}`));
      assert.deepEqual(got, expected, `callbacks of order ${order.number}`);
      assert.ok(sent.every((r) => r.body.id === order.number));
      assert.ok(sent.length > 0, `order ${order.number} has callbacks`);
      for (const r of sent) assert.deepEqual(Object.keys(r.body).sort(), CALLBACK_KEYS);
    }
    const cancelled = callbacks.rx.accepted().filter((r) => r.body.ref === b.id && r.body.new_cancellations.length > 0);
    assert.deepEqual(cancelled.map((r) => r.body.new_cancellations.map((x: any) => [x.external_ref, x.quantity])), [[['TSHIRT-BLK-M', 2]]]);
    const parcels = callbacks.rx.accepted().flatMap((r) => r.body.new_shipments);
    assert.deepEqual(parcels, ['PARCEL-1', 'PARCEL-2'].map((tracking) => ({ tracking, tracking_url: `https://track.example/${tracking}`, items: [{ id: item, external_ref: 'TSHIRT-BLK-M', quantity: 1 }] })));
    assert.ok(callbacks.rx.accepted().some((r) => r.body.ref === a.id && r.body.status === 8), 'the second parcel dispatched order a');

    // KORNITX supplier: one signed POST of the fulfiller Order per delivery order routed to it.
    const pushes = push.rx.accepted();
    assert.ok(pushes.every((r) => r.method === 'POST' && bodyHmacVerifies(push.secret, r, 'x-customgateway-hmac')));
    assert.deepEqual(pushes.map((r) => r.body.ref).sort(), [a.id, b.id, c.id].sort());
    const pushedA = pushes.find((r) => r.body.ref === a.id)!.body;
    assert.equal(pushedA.shipping_country_code, 'FR');
    assert.deepEqual(pushedA.items.map((i: any) => [i.sku, i.quantity]), [['TSHIRT-BLK-M', 2]]);
  });
});

const FULFILLER = { path: '/fulfiller/graphql' } as const;

const CALLBACK_KEYS = ['external_ref', 'id', 'new_cancellations', 'new_shipments', 'ref', 'shipping_carrier', 'shipping_method', 'shipping_tracking', 'status', 'status_name'];

