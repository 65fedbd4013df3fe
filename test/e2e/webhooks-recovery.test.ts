/**
 * Webhooks when things go wrong (SPEC §6): a delivery given up after the retry window, a server killed with
 * events queued, and the SSRF guard. Real servers and a real receiver on 127.0.0.1, on SQLite and PostgreSQL.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../support/test-server.ts';
import { pollUntil } from '../support/poll.ts';
import type { WebhookReceiver } from '../support/webhook-receiver.ts';
import { type Api, error, expectAllDelivered, inParallel, startWebhookWorld, type WebhookWorld } from '../support/webhooks-api.ts';

describe('webhooks: delivery given up after the retry window', () => {
  let world: WebhookWorld;
  let api: Api;

  before(async () => {
    world = await startWebhookWorld({ ORDERGRAPH_WEBHOOK_RETRY_BASE_MS: '100', ORDERGRAPH_WEBHOOK_RETRY_WINDOW_MS: '2000' });
    ({ api } = world);
  });
  after(() => world?.stop());

  it('fails the delivery, lets the next event of the order go ahead, and shows FAILING', async () => {
    const t = await api.tenant();
    const rx = await world.receiver();
    const down = await world.receiver();
    rx.respond = (r) => (r.body?.header?.type === 'order/created' ? 500 : 200);
    down.respond = () => 500;
    const w = await api.createWebhook(t, { endpoint: rx.url });
    const dead = await api.createWebhook(t, { endpoint: down.url });
    await api.createOrder(t, { opened: true }); // created, opened, status-changed, delivery-order/created
    // All of them are written by the create's transaction.
    const events = await api.outbox(t.merchantId);
    const later = events.filter((e) => e.type !== 'order/created').map((e) => e.type);
    assert.ok(later.includes('order/opened') && later.includes('order/status-changed'), later.join());

    // order/created is never accepted; after the window it is given up and the order's next events follow.
    await rx.waitFor((all) => all.filter((r) => r.status === 200).length === later.length, { timeoutMs: 60_000 });
    const createdAttempts = rx.received.filter((r) => r.body.header.type === 'order/created');
    assert.ok(createdAttempts.length >= 2, `retried: ${createdAttempts.length}`);
    const lastCreated = Math.max(...createdAttempts.map((r) => r.receivedAt));
    for (const r of rx.accepted()) {
      assert.ok(r.receivedAt >= lastCreated, 'the next event waited for the given-up one');
      rx.verify(w.secret, r);
    }
    assert.deepEqual(rx.accepted().map((r) => r.body.header.type), later);
    const log = await api.deliveries(t, w.id);
    const givenUp = log.filter((d) => d.eventType === 'order/created');
    assert.ok(givenUp.every((d) => !d.success && d.statusCode === 500));
    assert.match(givenUp[0].error, /^HTTP 500; given up after \d+ attempt/);

    await pollUntil(
      async () => {
        const failed = await api.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE state = 'failed' AND queue_key LIKE $1`, [`wh:${dead.id}:%`]);
        return Number(failed[0].n) === events.length;
      },
      { timeoutMs: 60_000, message: 'every delivery to the dead endpoint given up' },
    );
    assert.equal(await api.health(t, dead.id), 'FAILING');
  });
});

describe('webhooks: nothing is lost when the server is killed', () => {
  let world: WebhookWorld;
  let server: TestServer;
  let api: Api;
  let rx: WebhookReceiver;

  before(async () => {
    world = await startWebhookWorld({ ORDERGRAPH_WEBHOOK_RETRY_BASE_MS: '200' });
    ({ server, api } = world);
    rx = await world.receiver();
  });
  after(() => world?.stop());

  it('delivers ~1,000 events queued while the receiver was down after a SIGKILL and a restart', async () => {
    const t = await api.tenant();
    const w = await api.createWebhook(t, { endpoint: rx.url });
    await rx.stop(); // the endpoint is down: every attempt fails, events pile up
    await inParallel(334, 8, () => api.createOrder(t, { opened: true })); // 3 events each
    const events = await api.outbox(t.merchantId);
    assert.ok(events.length >= 1000, String(events.length));

    await server.kill('SIGKILL');
    await rx.start();
    await server.restart();

    await expectAllDelivered(api, t, w, rx, 240_000);
    assert.equal(new Set(rx.accepted().map((r) => r.id)).size, events.length);
  });
});

describe('webhooks: SSRF guard', () => {
  let world: WebhookWorld;
  let server: TestServer;
  let api: Api;
  let rx: WebhookReceiver;

  before(async () => {
    world = await startWebhookWorld({ ORDERGRAPH_WEBHOOK_RETRY_BASE_MS: '100' });
    ({ server, api } = world);
    rx = await world.receiver();
  });
  after(() => world?.stop());

  it('refuses loopback endpoints at creation and at delivery unless ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE=true', async () => {
    const t = await api.tenant();
    // Subscribed while private endpoints were allowed...
    const w = await api.createWebhook(t, { endpoint: rx.url });
    // ...then the operator turns the flag off.
    (server.env as Record<string, string>).ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE = 'false';
    await server.restart();
    const token = t.merchantToken; // tokens outlive a restart (persisted signing keys)

    for (const endpoint of [rx.url, 'http://localhost:8080/hook', 'http://[::1]/hook', 'http://[::ffff:127.0.0.1]/x', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/x', 'http://2130706433/x']) {
      const e = error(await api.gql(token, 'mutation($i: WebhookInput!) { webhookCreate(input: $i) { id } }', { i: { endpoint } }));
      assert.equal(e.code, 'BAD_USER_INPUT', endpoint);
      assert.match(e.message, /^`endpoint` must not point to a private or loopback address/, endpoint);
    }
    const upd = error(await api.gql(token, 'mutation($id: String!) { webhookUpdate(id: $id, input: { endpoint: "http://127.0.0.1:1/x" }) { id } }', { id: w.id }));
    assert.equal(upd.code, 'BAD_USER_INPUT');

    // The existing loopback webhook is refused at delivery time: logged, never sent.
    await api.createOrder(t);
    await pollUntil(async () => (await api.deliveries(t, w.id)).length >= 1, { timeoutMs: 30_000 });
    const [attempt] = await api.deliveries(t, w.id);
    assert.equal(attempt.success, false);
    assert.equal(attempt.statusCode, null);
    assert.match(attempt.error, /^refused: 127\.0\.0\.1 is a loopback address/);
    assert.equal(rx.received.length, 0);
  });
});
