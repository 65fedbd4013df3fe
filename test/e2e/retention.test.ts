/**
 * Retention (SPEC §11): the `retention.prune` job deletes rows past their window and keeps the rest. Activity
 * happens in two phases; the first phase's rows are then dated back a year with SQL (waiting out a real window
 * would make the test slow or timing-dependent), and the job, which runs every 300 ms here with one-hour
 * windows, must delete exactly them — except an outbox event a delivery job still waits for. Orders and their
 * history stay.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { openDirectDb, type DirectDb } from '../support/direct-db.ts';
import { createTenant, expectGraphQLError, DISPATCHABLE_REQUEST, orderInput, type Tenant, type Order } from '../support/orders-api.ts';
import { getToken, oauthPost } from '../support/oauth.ts';
import { subscribeReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { pollUntil, sleep } from '../support/poll.ts';

const LONG_AGO = '2025-01-01T00:00:00.000Z';

/** Each pruned table, the column that dates its rows, and its key. */
const TABLES = [
  { table: 'jobs', time: 'created_at', key: 'id', where: "state <> 'queued'" },
  { table: 'outbox_events', time: 'created_at', key: 'id', where: '1 = 1' },
  { table: 'webhook_deliveries', time: 'created_at', key: 'id', where: '1 = 1' },
  { table: 'dispatchable_requests', time: 'created_at', key: 'id', where: "state <> 'PENDING'" },
  { table: 'idempotency_keys', time: 'created_at', key: 'key', where: '1 = 1' },
  { table: 'revoked_tokens', time: 'revoked_at', key: 'jti', where: '1 = 1' },
] as const;

describe('retention', () => {
  let server: TestServer;
  let db: DirectDb;
  let t: Tenant;
  let good: WebhookReceiver;
  let failing: WebhookReceiver;

  before(async () => {
    server = await startServer({
      env: {
        ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true',
        // A failed delivery waits ten minutes for its retry: its job stays queued for the whole test.
        ORDERGRAPH_WEBHOOK_RETRY_BASE_MS: '600000',
        ORDERGRAPH_RETENTION_INTERVAL: '300ms',
        ORDERGRAPH_RETENTION_JOBS: '1h',
        ORDERGRAPH_RETENTION_DELIVERY_LOG: '1h',
        ORDERGRAPH_RETENTION_REQUESTS: '1h',
        ORDERGRAPH_RETENTION_IDEMPOTENCY: '1h',
        ORDERGRAPH_RETENTION_REVOKED_TOKENS: '1h',
      },
    });
    db = await openDirectDb(server);
    t = await createTenant(server);
    good = await subscribeReceiver(server, t.merchant.id, ['order/created', 'order/updated', 'order/opened', 'request/accepted']);
    failing = await subscribeReceiver(server, t.merchant.id, ['order/opened']);
    failing.respond = () => 500;
  });
  after(async () => {
    await db?.close();
    await good?.stop();
    await failing?.stop();
    await server?.stop();
  });

  /** Creates, updates (with an Idempotency-Key) and opens an order, revokes a token; waits until all settled. */
  async function activity(tag: string): Promise<{ order: Order; requestId: string }> {
    const order = await t.api.create(orderInput());
    const update = await t.api.tryUpdate({ id: order.id, comment: tag }, { 'Idempotency-Key': `key-${tag}` });
    assert.equal(update.status, 200, JSON.stringify(update.body));
    const open = await t.api.open(order.id);
    await t.api.settled(open.id);
    const token = await getToken(server.url, t.merchantClient);
    const revoked = await oauthPost(server.url, { token }, {
      path: '/oauth/revoke',
      basic: { clientId: t.merchantClient.client_id, clientSecret: t.merchantClient.client_secret },
    });
    assert.equal(revoked.status, 200);
    // created, updated, opened, request/accepted reach the good receiver; the failing one is tried once.
    await good
      .waitFor((r) => r.filter((w) => w.body?.body?.id === order.id || w.body?.body?.orderId === order.id).length >= 4)
      .catch(async (e) => {
        // Once seen on a loaded CI machine: say where the missing deliveries were (queued, retrying, failed).
        const jobs = await db.query(`SELECT id, state, attempts, run_at, queue_key FROM jobs WHERE kind = 'webhook.deliver'`);
        const attempts = await db.query('SELECT job_id, attempt, status_code, duration_ms, error FROM webhook_deliveries');
        throw new Error(`${e.message}\njobs: ${JSON.stringify(jobs)}\nattempts: ${JSON.stringify(attempts)}`);
      });
    await failing.waitFor((r) => r.some((w) => w.body?.body?.id === order.id));
    return { order, requestId: open.id };
  }

  const keys = async (table: string, key: string, where: string): Promise<string[]> =>
    (await db.query<{ k: string }>(`SELECT ${key} AS k FROM ${table} WHERE ${where}`)).map((r) => String(r.k)).sort();

  it('prunes the rows past their window and keeps the rest, orders and history included', async () => {
    const old = await activity('old');
    // Only the failing webhook's delivery is still queued: everything else of phase one is finished.
    await pollUntil(async () => (await keys('jobs', 'id', "state = 'queued' AND kind = 'webhook.deliver'")).length === 1, {
      timeoutMs: 30_000,
      message: "phase one's deliveries were recorded",
    });
    await sleep(5);
    const mark = new Date().toISOString();
    await sleep(5);
    const fresh = await activity('fresh');

    const awaited = await db.query<{ id: number }>(
      "SELECT o.id FROM outbox_events o WHERE o.order_id = $1 AND o.type = 'order/opened'",
      [old.order.id],
    );
    assert.equal(awaited.length, 1);
    const before = new Map<string, { old: string[]; fresh: string[] }>();
    for (const { table, time, key, where } of TABLES) {
      before.set(table, {
        old: await keys(table, key, `${where} AND ${time} < '${mark}'`),
        fresh: await keys(table, key, `${time} >= '${mark}'`),
      });
      assert.ok(before.get(table)!.old.length > 0, `phase one left rows in ${table}`);
      assert.ok(before.get(table)!.fresh.length > 0, `phase two left rows in ${table}`);
    }
    const history = await db.query<{ n: number }>('SELECT count(*) AS n FROM order_events WHERE order_id = $1', [old.order.id]);

    // Phase one's rows become a year old: past every one-hour window.
    const back = (table: string, set: string, where: string) => db.query(`UPDATE ${table} SET ${set} WHERE ${where}`, [LONG_AGO, mark]);
    await back('jobs', 'created_at = $1, finished_at = $1', "state <> 'queued' AND created_at < $2");
    await back('outbox_events', 'created_at = $1', 'created_at < $2');
    await back('webhook_deliveries', 'created_at = $1', 'created_at < $2');
    await back('dispatchable_requests', 'created_at = $1, completed_at = $1', "state <> 'PENDING' AND created_at < $2");
    await back('idempotency_keys', 'created_at = $1', 'created_at < $2');
    await back('revoked_tokens', 'revoked_at = $1, expires_at = $1', 'revoked_at < $2');

    const awaitedId = String(awaited[0].id);
    await pollUntil(
      async () => {
        for (const { table, time, key } of TABLES) {
          const left = await keys(table, key, `${time} = '${LONG_AGO}'`);
          // Only the awaited event stays: it holds back no other (a dead endpoint's backlog would hold every tenant's).
          const expected = table === 'outbox_events' ? [awaitedId] : [];
          if (JSON.stringify(left) !== JSON.stringify(expected)) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, message: 'the retention job pruned the rows past their window' },
    );

    for (const { table, time, key } of TABLES) {
      const now = await keys(table, key, `${time} >= '${mark}'`);
      for (const k of before.get(table)!.fresh) assert.ok(now.includes(k), `${table} ${k} is inside its window and must stay`);
    }
    // The event a delivery job still waits for is kept, whatever its age.
    assert.deepEqual(await keys('outbox_events', 'id', `id = ${awaitedId}`), [awaitedId]);

    // Orders and history are kept; a pruned request is gone, a recent one is there.
    const order = await t.api.order(old.order.id);
    assert.equal(order.events!.length, Number(history[0].n));
    expectGraphQLError(await t.api.call(DISPATCHABLE_REQUEST, { id: old.requestId }), 'NOT_FOUND');
    const recent = await t.api.call(DISPATCHABLE_REQUEST, { id: fresh.requestId });
    assert.equal(recent.body.data?.dispatchableRequest?.state, 'ACCEPTED');
  });
});
