/**
 * Webhooks end to end (SPEC §6): real servers, real tokens, a real HTTP receiver on 127.0.0.1, and every
 * delivery verified with the `standardwebhooks` package. Runs on SQLite and (TEST_DB=postgres) on PostgreSQL.
 * Giving up, a killed server and the SSRF guard are in webhooks-recovery.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../support/test-server.ts';
import { gql } from '../support/graphql.ts';
import { pollUntil, sleep } from '../support/poll.ts';
import type { ReceivedWebhook } from '../support/webhook-receiver.ts';
import { type Api, data, DELIVERY, error, expectAllDelivered, inParallel, sequentially, startWebhookWorld, type WebhookWorld } from '../support/webhooks-api.ts';
import { EVENT_TYPES } from '../../src/webhooks/outbox.ts';

describe('webhooks', () => {
  let world: WebhookWorld;
  let server: TestServer;
  let api: Api;
  const receiver = () => world.receiver();

  before(async () => {
    world = await startWebhookWorld({ ORDERGRAPH_WEBHOOK_RETRY_BASE_MS: '100' });
    ({ server, api } = world);
  });
  after(() => world?.stop());

  it('manages webhooks: create, list, update, delete; validation; scope; other tenants see NOT_FOUND', async () => {
    const t = await api.tenant();
    const w = await api.createWebhook(t, { endpoint: 'https://example.com/hooks', events: ['order/created', 'order/completed'], headers: { 'X-Api-Key': 'k1' } });
    assert.match(w.secret, /^whsec_[A-Za-z0-9+/=]+$/);
    assert.deepEqual([w.endpoint, w.events, w.headers, w.enabled, w.health], ['https://example.com/hooks', ['order/created', 'order/completed'], { 'X-Api-Key': 'k1' }, true, 'HEALTHY']);
    assert.deepEqual((await api.webhooks(t)).map((x) => x.id), [w.id]);

    const u = await api.updateWebhook(t, w.id, { events: null, headers: { 'X-Api-Key': 'k2' } });
    assert.deepEqual([u.events, u.headers, u.secret], [[], { 'X-Api-Key': 'k2' }, null], 'the secret is returned only by the mutation that sets it');

    const bad = async (input: Record<string, unknown>) =>
      error(await api.gql(t.merchantToken, 'mutation($i: WebhookInput!) { webhookCreate(input: $i) { id } }', { i: input }));
    assert.deepEqual(await bad({ endpoint: 'ftp://example.com' }), { code: 'BAD_USER_INPUT', message: '`endpoint` must be an http(s) URL, not ftp' });
    const e1 = await bad({ endpoint: 'https://example.com', events: ['order/created', 'order/shipped'] });
    assert.equal(e1.code, 'BAD_USER_INPUT');
    assert.match(e1.message, /^`events\[1\]` "order\/shipped" is not an event name/);
    assert.match((await bad({ endpoint: 'https://example.com', headers: { 'webhook-id': 'x' } })).message, /^`headers\.webhook-id` is set by the delivery itself/);
    assert.match((await bad({ endpoint: 'https://example.com', headers: { 'X-A': 5 } })).message, /^`headers\.X-A` must be a string/);

    const other = await api.tenant();
    for (const [query, variables] of [
      [`mutation($id: String!) { webhookUpdate(id: $id, input: { enabled: false }) { id } }`, { id: w.id }],
      [`mutation($id: String!) { webhookDelete(id: $id) }`, { id: w.id }],
      [`query($id: String!) { webhookDeliveries(webhookId: $id) { totalCount } }`, { id: w.id }],
    ] as const) {
      assert.equal(error(await api.gql(other.merchantToken, query, variables)).code, 'NOT_FOUND', query);
    }
    assert.deepEqual(await api.webhooks(other), []);

    const narrow = await api.tenant('view_orders create_orders edit_orders');
    const denied = error(await api.gql(narrow.merchantToken, '{ webhooks { totalCount } }'));
    assert.equal(denied.code, 'INSUFFICIENT_SCOPE');
    assert.match(denied.message, /edit_integrations/);

    assert.equal(data<any>(await api.gql(t.merchantToken, 'mutation($id: String!) { webhookDelete(id: $id) }', { id: w.id })).webhookDelete, true);
    assert.deepEqual(await api.webhooks(t), []);
  });

  it('delivers every event type, signed, in order per order', async () => {
    const t = await api.tenant('view_orders create_orders edit_orders edit_integrations view_shipments edit_shipments');
    const rx = await receiver();
    const w = await api.createWebhook(t, { endpoint: rx.url, headers: { 'X-Api-Key': 'key-1' } });

    // order/created, order/updated (DRAFT: at once), then opened + status-changed + request/accepted (worker).
    const a = await api.createOrder(t);
    assert.equal((await api.updateOrder(t, a.id, 'first comment')).state, 'ACCEPTED');
    assert.equal((await api.request(t, 'orderOpen', a.id)).state, 'PENDING');
    await pollUntil(async () => (await api.outbox(t.merchantId)).some((e) => e.type === 'request/accepted'), { timeoutMs: 30_000 });
    // In production (status 4), a merchant change is refused by the worker: request/rejected.
    await api.fulfillerStatus(await api.supplierToken(t), a.number, 4);
    assert.equal((await api.updateOrder(t, a.id, 'too late')).state, 'PENDING');
    // Cancelling an OPENED order: status-changed (128) + completed.
    const b = await api.createOrder(t, { opened: true });
    assert.equal((await api.request(t, 'orderCancel', b.id)).state, 'PENDING');
    await pollUntil(async () => (await api.outbox(t.merchantId)).filter((e) => e.type.startsWith('request/')).length === 3, { timeoutMs: 30_000 });
    // The supplier refuses a third one: delivery-order/rejected.
    const c = await api.createOrder(t, { opened: true });
    const refused = await gql(server.url, await api.supplierToken(t), `mutation { core { rejectOrders(orders: [{id: ${c.number}, reason: "out of stock"}]) { id status } } }`, undefined, {
      path: '/fulfiller/graphql',
    });
    assert.equal(data<any>(refused).core.rejectOrders[0].id, c.number);
    // A fourth is shipped in one parcel (shipment/created, delivery-order/completed) that the carrier delivers
    // (shipment/shipping_event, shipment/delivered).
    const d = await api.createOrder(t, { opened: true });
    const shipped = await gql(server.url, await api.supplierToken(t), `mutation { core { createShipments(shipments: [{order_id: ${d.number}}]) { id } } }`, undefined, {
      path: '/fulfiller/graphql',
    });
    const shipmentId = data<any>(shipped).core.createShipments[0].id;
    const tracked = await api.gql(t.merchantToken, 'mutation($i: ShipmentAddEventInput!) { shipmentAddEvent(input: $i) { state } }', {
      i: { shipmentId, event: 'DELIVERED', date: new Date().toISOString() },
    });
    assert.equal(data<any>(tracked).shipmentAddEvent.state, 'COMPLETED');

    const delivered = await expectAllDelivered(api, t, w, rx);
    const types = new Set(delivered.map((r) => r.body.header.type));
    assert.deepEqual([...types].sort(), [...EVENT_TYPES].sort());
    for (const r of delivered) {
      assert.equal(r.headers['x-api-key'], 'key-1');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.signatures.length, 1);
    }
    // A DRAFT change reads the order's lines only for its event body: the body is still the whole order.
    const updated = delivered.find((r) => r.body.header.type === 'order/updated')!;
    assert.equal(updated.body.body.comment, 'first comment');
    assert.equal(updated.body.body.version, 2);
    assert.deepEqual(
      updated.body.body.lines.map((l: { sku: string; quantity: number; status: string }) => [l.sku, l.quantity, l.status]),
      [['SKU-1', 1, 'PENDING']],
    );
    const rejected = delivered.find((r) => r.body.header.type === 'request/rejected')!;
    assert.equal(rejected.body.body.state, 'REJECTED');
    assert.equal(rejected.body.body.orderId, a.id);
    const completed = delivered.find((r) => r.body.header.type === 'order/completed')!;
    assert.equal(completed.body.body.id, b.id);
    assert.equal(completed.body.body.state, 'COMPLETED');
    assert.equal(completed.body.body.status, 128);
    assert.equal(await api.health(t, w.id), 'HEALTHY');
  });

  it('retries a failing endpoint until it recovers: every event arrives, in order per order, and the log shows every attempt', async () => {
    const t = await api.tenant();
    const rx = await receiver();
    let recovered = false;
    rx.respond = () => (recovered ? 200 : 500);
    const w = await api.createWebhook(t, { endpoint: rx.url });

    const orders = await sequentially(4, () => api.createOrder(t, { opened: true }));
    await inParallel(orders.length, 4, (i) => api.updateOrder(t, orders[i].id, `update ${i}`));
    await rx.waitFor((all) => all.length >= 20, { message: 'retries while failing' });
    assert.equal(await api.health(t, w.id), 'FAILING');
    recovered = true;

    await expectAllDelivered(api, t, w, rx, 90_000);
    assert.ok(rx.received.filter((r) => r.status === 500).length >= 20);
    await pollUntil(async () => (await api.health(t, w.id)) === 'HEALTHY', { timeoutMs: 30_000, message: 'health recovers' });

    const log = await api.deliveries(t, w.id);
    const failed = log.filter((d) => !d.success);
    assert.ok(failed.length >= 20, `failed attempts logged: ${failed.length}`);
    for (const d of failed) {
      assert.equal(d.statusCode, 500);
      assert.equal(d.error, 'HTTP 500');
      assert.ok(d.durationMs >= 0);
      assert.ok(!Number.isNaN(Date.parse(d.createdAt)));
    }
    assert.ok(failed.some((d) => d.attempt > 1), 'attempts are numbered');
    const sorted = [...log].sort((x, y) => y.createdAt.localeCompare(x.createdAt));
    assert.deepEqual(log.map((d) => d.createdAt), sorted.map((d) => d.createdAt), 'newest first');
    assert.ok(log.filter((d) => d.success).length >= (await api.outbox(t.merchantId)).length);
  });

  it('honours Retry-After on 429', async () => {
    const t = await api.tenant();
    const rx = await receiver();
    let first = true;
    rx.respond = () => {
      if (!first) return 200;
      first = false;
      return { status: 429, headers: { 'retry-after': '1' } };
    };
    const w = await api.createWebhook(t, { endpoint: rx.url });
    await api.createOrder(t);
    await expectAllDelivered(api, t, w, rx);
    // The receiver has answered before the worker records the attempt: wait for the record.
    await pollUntil(async () => (await api.deliveries(t, w.id)).length === 2, { timeoutMs: 30_000 });
    const log = await api.deliveries(t, w.id);
    assert.deepEqual(log.map((d) => d.statusCode).reverse(), [429, 200]);
  });

  it('disables a webhook whose endpoint answers 410 Gone, and delivers nothing more to it', async () => {
    const t = await api.tenant();
    const rx = await receiver();
    // Slow to answer, so that the order's next events are queued for this webhook while it is still enabled.
    rx.respond = () => ({ status: 410, delayMs: 1000 });
    const w = await api.createWebhook(t, { endpoint: rx.url });
    // A second, enabled webhook of the same events: once it has received an event, the first would have too.
    const sentinel = await receiver();
    const ws = await api.createWebhook(t, { endpoint: sentinel.url });
    const first = await api.createOrder(t);
    await api.updateOrder(t, first.id, 'queued while enabled');
    await api.updateOrder(t, first.id, 'queued while enabled, again');
    await pollUntil(async () => (await api.health(t, w.id)) === 'DISABLED', { timeoutMs: 30_000 });
    const listed = (await api.webhooks(t)).find((x) => x.id === w.id);
    assert.equal(listed?.enabled, false);
    const later = await api.createOrder(t);

    const is = (orderId: string, type: string) => (r: ReceivedWebhook) => r.status === 200 && r.body.header.type === type && r.body.body.id === orderId;
    await sentinel.waitFor((all) => all.filter(is(first.id, 'order/updated')).length === 2 && all.some(is(later.id, 'order/created')), {
      timeoutMs: 30_000,
      message: 'the enabled webhook received every event',
    });
    assert.equal(sentinel.received.filter((r) => r.body.body.id === first.id).length, 3);
    await pollUntil(async () => (await api.deliveries(t, ws.id)).length >= 4, { timeoutMs: 30_000, message: 'the sentinel deliveries are recorded' });
    assert.deepEqual(
      rx.received.map((r) => r.body.header.type),
      ['order/created'],
      'nothing reached the disabled webhook after its 410: neither events queued before, nor events after',
    );
    const log = await api.deliveries(t, w.id);
    assert.equal(log.length, 1);
    assert.equal(log[0].statusCode, 410);
    assert.match(log[0].error, /410 Gone/);

    // Enabled again, it receives new events.
    rx.respond = () => 200;
    assert.equal((await api.updateWebhook(t, w.id, { enabled: true })).health, 'HEALTHY');
    const o = await api.createOrder(t);
    await rx.waitFor((all) => all.some((r) => r.status === 200 && r.body.body.id === o.id));
  });

  it('signs with both secrets for 24 h after a rotation', async () => {
    const t = await api.tenant();
    const rx = await receiver();
    const w = await api.createWebhook(t, { endpoint: rx.url });
    const rotated = await api.updateWebhook(t, w.id, { rotateSecret: true });
    assert.notEqual(rotated.secret, w.secret);
    assert.match(rotated.secret, /^whsec_/);
    await api.createOrder(t);
    await rx.waitFor((all) => all.length === 1);
    const r = rx.received[0];
    assert.equal(r.signatures.length, 2);
    for (const secret of [rotated.secret, w.secret]) rx.verify(secret, r);
    // Each signature verifies on its own, with its own secret.
    rx.verify(rotated.secret, { ...r, signatures: [r.signatures[0]] });
    rx.verify(w.secret, { ...r, signatures: [r.signatures[1]] });
    assert.throws(() => rx.verify(w.secret, { ...r, signatures: [r.signatures[0]] }));
  });

  it('sends a delivery again on webhookDeliveryRetry, with the same webhook-id', async () => {
    const t = await api.tenant();
    const rx = await receiver();
    const w = await api.createWebhook(t, { endpoint: rx.url });
    await api.createOrder(t);
    await rx.waitFor((all) => all.length === 1);
    // The receiver answers before the worker records the attempt: wait for the record, not only the request.
    const [attempt] = await pollUntil(async () => {
      const log = await api.deliveries(t, w.id);
      return log.length === 1 && log;
    });
    assert.equal(attempt.success, true);
    assert.equal(attempt.eventType, 'order/created');
    const r = await api.gql(t.merchantToken, `mutation($id: String!) { webhookDeliveryRetry(id: $id) { ${DELIVERY} } }`, { id: attempt.id });
    assert.equal(data<any>(r).webhookDeliveryRetry.id, attempt.id);
    await rx.waitFor((all) => all.length === 2);
    assert.equal(rx.received[1].id, rx.received[0].id);
    rx.verify(w.secret, rx.received[1]);
    await pollUntil(async () => (await api.deliveries(t, w.id)).length === 2);
  });

  it('stops pending deliveries when a webhook is deleted', async () => {
    const t = await api.tenant();
    const rx = await receiver();
    rx.respond = () => 500;
    const w = await api.createWebhook(t, { endpoint: rx.url });
    await api.createOrder(t);
    await api.createOrder(t);
    await rx.waitFor((all) => all.length >= 3);
    data(await api.gql(t.merchantToken, 'mutation($id: String!) { webhookDelete(id: $id) }', { id: w.id }));
    const pending = await api.db.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM jobs WHERE state = 'queued' AND queue_key LIKE $1`,
      [`wh:${w.id}:%`],
    );
    assert.equal(Number(pending[0].n), 0);
    const seen = rx.received.length;
    await sleep(1500); // many retry periods at a 100 ms base
    assert.ok(rx.received.length <= seen + 2, 'nothing but the attempts in flight during the delete (one per order)');
  });
});
