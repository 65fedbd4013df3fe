/**
 * Deliveries run together (webhook-delivery-batch.ts), on SQLite and, when TEST_DATABASE_URL is set, on
 * PostgreSQL too (the two dialects of db/sql/record-deliveries.ts): every attempt logged with its response, successes and failures in one claim, the next event
 * of a webhook's order claimable only once the previous one is done, retries as before.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase, type TestDbKind } from '../../test/support/test-database.ts';
import { systemCtx, withTransaction, type Services } from '../context.ts';
import { openDatabase, type Db } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { claimJobs, type Job } from '../jobs/job-queue.ts';
import { runJob } from '../jobs/run-job.ts';
import { DELIVER_JOB, emitEvents } from './outbox.ts';
import { webhookDeliveryHandler as handler } from './webhook-delivery.ts';
import { closeWebhookConnections } from './webhook-http-client.ts';
import { messageIdFor, newSecret } from './webhook-signing.ts';

const kinds: TestDbKind[] = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

for (const kind of kinds) describe(`webhook deliveries run together (${kind})`, () => {
  let testDb: TestDatabase;
  let db: Db;
  let services: Services;
  let server: http.Server;
  let endpoint = '';
  const received: { id: string; path: string }[] = [];

  before(async () => {
    testDb = await createTestDatabase(kind);
    db = openDatabase({ databaseUrl: testDb.url ?? 'sqlite::memory:', dataDir: '.' });
    await migrateToLatest(db);
    services = { db, jobsQueued: () => {}, webhookAllowPrivate: true, webhookRetry: { baseMs: 60_000, windowMs: 3_600_000 } };
    // `/fail` answers 500 with a reason; anything else 200 with a short body the log must keep.
    server = http.createServer((req, res) => {
      req.resume().on('end', () => {
        received.push({ id: String(req.headers['webhook-id']), path: req.url ?? '' });
        if (req.url === '/fail') res.writeHead(500).end('not today');
        else res.writeHead(200).end(`ok ${req.headers['webhook-id']}`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await closeWebhookConnections();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await db.close();
    await testDb.drop();
  });

  async function addWebhook(id: string, path: string, failures = 0): Promise<void> {
    const now = new Date().toISOString();
    await db.kysely
      .insertInto('webhooks')
      .values({
        id,
        organization_id: 'org-batch',
        endpoint: `${endpoint}${path}`,
        format: 'STANDARD',
        events: '[]',
        headers: '{}',
        secret: newSecret(),
        previous_secret: null,
        previous_secret_expires_at: null,
        enabled: 1,
        consecutive_failures: failures,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }

  const claim = () =>
    claimJobs(db, 'test', { kinds: [DELIVER_JOB], limit: 100, leaseMs: 60_000, perGroup: 100, perOrganization: 100, failingAfter: 5 });
  const payload = (j: Job) => j.payload as { webhookId: string; eventId: number };

  it('logs every attempt, completes the successes together, retries the failure, and keeps each order in sequence', async () => {
    await addWebhook('wh-ok', '/ok', 3);
    await addWebhook('wh-fail', '/fail');
    // Three orders, two events each: every webhook gets 6 deliveries in 3 queues of 2.
    const events = [0, 1].flatMap((round) =>
      ['o1', 'o2', 'o3'].map((order) => ({ type: 'order/updated' as const, organizationId: 'org-batch', orderId: order, body: () => ({ order, round }) })),
    );
    await withTransaction(systemCtx(services), (tctx) => emitEvents(tctx, events));

    const first = await claim();
    // One job per queue (webhook + order) at a time: 2 webhooks × 3 orders.
    assert.equal(first.length, 6);
    assert.equal(new Set(first.map((j) => j.queueKey)).size, 6);
    const outcomes = await Promise.all(first.map((j) => runJob(services, handler, j)));
    const byWebhook = (id: string) => outcomes.filter((_, i) => payload(first[i]).webhookId === id).map((o) => o.outcome);
    assert.deepEqual(byWebhook('wh-ok'), ['done', 'done', 'done']);
    assert.deepEqual(byWebhook('wh-fail'), ['retry', 'retry', 'retry']);

    const log = await db.kysely.selectFrom('webhook_deliveries').selectAll().orderBy('event_id').execute();
    assert.equal(log.length, 6);
    for (const d of log.filter((r) => r.webhook_id === 'wh-ok')) {
      assert.deepEqual({ success: d.success, status: d.status_code, error: d.error, attempt: d.attempt }, { success: 1, status: 200, error: null, attempt: 1 });
      assert.match(d.response_body ?? '', /^ok msg_/);
    }
    for (const d of log.filter((r) => r.webhook_id === 'wh-fail')) {
      assert.deepEqual({ success: d.success, status: d.status_code, error: d.error, body: d.response_body }, { success: 0, status: 500, error: 'HTTP 500', body: 'not today' });
    }
    const webhooks = await db.kysely.selectFrom('webhooks').select(['id', 'consecutive_failures']).orderBy('id').execute();
    assert.deepEqual(webhooks, [
      { id: 'wh-fail', consecutive_failures: 3 },
      { id: 'wh-ok', consecutive_failures: 0 },
    ]);

    // The successes' next events are claimable now; the failures' wait behind their retry (not yet due).
    const second = await claim();
    assert.deepEqual(second.map((j) => payload(j).webhookId), ['wh-ok', 'wh-ok', 'wh-ok']);
    const secondEvents = second.map((j) => payload(j).eventId).sort((a, b) => a - b);
    const firstEvents = first.filter((j) => payload(j).webhookId === 'wh-ok').map((j) => payload(j).eventId);
    assert.ok(Math.min(...secondEvents) > Math.max(...firstEvents), 'each order’s second event after its first');
    assert.deepEqual(
      (await Promise.all(second.map((j) => runJob(services, handler, j)))).map((o) => o.outcome),
      ['done', 'done', 'done'],
    );
    const states = await db.kysely.selectFrom('jobs').select(['state', 'attempts']).where('queue_key', 'like', 'wh:wh-ok:%').execute();
    assert.deepEqual(states.map((s) => s.state), Array(6).fill('done'));
    assert.equal(received.filter((r) => r.path === '/ok').length, 6);
  });

  it('hands a lane to the next delivery of the same webhook and order when the worker allows it, in order', async () => {
    await addWebhook('wh-chain', '/chain');
    await addWebhook('wh-chain-fail', '/fail');
    const events = [0, 1, 2].flatMap((round) =>
      ['c1', 'c2'].map((order) => ({ type: 'order/updated' as const, organizationId: 'org-batch', orderId: order, body: () => ({ order, round }) })),
    );
    await withTransaction(systemCtx(services), (tctx) => emitEvents(tctx, events));
    const mine = (jobs: Job[]) => jobs.filter((j) => payload(j).webhookId.startsWith('wh-chain'));
    const first = mine(await claim());
    assert.equal(first.length, 4);
    const lease = { workerId: 'chain-worker', leaseMs: 60_000 };
    const ran: Job[] = [];
    // Every lane goes on with what it is handed, as workers.ts does; no claim in between.
    await Promise.all(
      first.map(async (start) => {
        let job: Job | undefined = start;
        while (job) {
          job.handOff = () => lease;
          ran.push(job);
          const outcome = await runJob(services, handler, job);
          job = outcome.outcome === 'done' ? outcome.next : undefined;
        }
      }),
    );
    const okRuns = ran.filter((j) => payload(j).webhookId === 'wh-chain');
    assert.equal(okRuns.length, 6, 'both orders of the healthy webhook ran to their end in two lanes');
    for (const order of ['wh:wh-chain:c1', 'wh:wh-chain:c2']) {
      const ids = okRuns.filter((j) => j.queueKey === order).map((j) => payload(j).eventId);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in event order');
      assert.equal(ids.length, 3);
    }
    assert.equal(ran.filter((j) => payload(j).webhookId === 'wh-chain-fail').length, 2, 'a failure hands nothing off');
    const handed = await db.kysely.selectFrom('jobs').select(['state', 'attempts', 'locked_by']).where('queue_key', 'like', 'wh:wh-chain:%').orderBy('id').execute();
    assert.deepEqual(handed.map((j) => j.state), Array(6).fill('done'));
    assert.deepEqual(handed.map((j) => [j.attempts, j.locked_by]).slice(2), Array(4).fill([1, 'chain-worker']), 'handed jobs leased like a claim');
    const log = await db.kysely.selectFrom('webhook_deliveries').select('event_id').where('webhook_id', '=', 'wh-chain').execute();
    assert.equal(log.length, 6, 'every attempt logged');
    // A handed job sends its own event (on PostgreSQL read by the statement that leased it, not by a load).
    const sent = received.filter((r) => r.path === '/chain').map((r) => r.id);
    assert.deepEqual(sent.sort(), okRuns.map((j) => messageIdFor('wh-chain', payload(j).eventId)).sort());

    // Without the worker's leave, the lane goes back to the claim.
    await withTransaction(systemCtx(services), (tctx) => emitEvents(tctx, events.slice(0, 4)));
    const [again] = mine(await claim()).filter((j) => payload(j).webhookId === 'wh-chain');
    again.handOff = () => undefined;
    assert.deepEqual(await runJob(services, handler, again), { outcome: 'done' });
  });
});
