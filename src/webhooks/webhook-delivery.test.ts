import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { systemCtx, withTransaction, type Services } from '../context.ts';
import { openDatabase, type Db } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { claimJobs, type Job } from '../jobs/job-queue.ts';
import { runJob, type JobOutcome } from '../jobs/run-job.ts';
import { DELIVER_JOB, emitEvents, type EventType } from './outbox.ts';
import { webhookDeliveryHandler as handler } from './webhook-delivery.ts';
import { closeWebhookConnections } from './webhook-http-client.ts';
import { messageIdFor, newSecret } from './webhook-signing.ts';

interface Hit {
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('webhook.deliver job', () => {
  let db: Db;
  let services: Services;
  let server: http.Server;
  let endpoint = '';
  let answer: () => { status: number; headers?: Record<string, string>; body?: string } = () => ({ status: 200 });
  let hits: Hit[] = [];
  let n = 0;

  before(async () => {
    db = openDatabase({ databaseUrl: 'sqlite::memory:', dataDir: '.' });
    await migrateToLatest(db);
    services = { db, jobsQueued: () => {}, webhookAllowPrivate: true, webhookRetry: { baseMs: 100, windowMs: 60_000 } };
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hits.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        const a = answer();
        res.writeHead(a.status, a.headers).end(a.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  after(async () => {
    await closeWebhookConnections();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await db.close();
  });

  beforeEach(() => {
    hits = [];
    answer = () => ({ status: 200 });
  });

  /** A webhook of a fresh organization, and that organization's id. */
  async function webhook(overrides: Record<string, unknown> = {}): Promise<{ id: string; org: string; secret: string }> {
    const id = `wh-${++n}`;
    const org = `org-${n}`;
    const secret = newSecret();
    const now = new Date().toISOString();
    await db.kysely
      .insertInto('webhooks')
      .values({
        id,
        organization_id: org,
        endpoint,
        format: 'STANDARD',
        events: '[]',
        headers: '{}',
        secret,
        previous_secret: null,
        previous_secret_expires_at: null,
        enabled: 1,
        consecutive_failures: 0,
        created_at: now,
        updated_at: now,
        ...overrides,
      })
      .execute();
    return { id, org, secret };
  }

  /**
   * Emits events for `w`'s organization (through the outbox, as commands do), one order per event, and claims
   * the delivery jobs of `w`.
   */
  async function emitAndClaim(w: { id: string; org: string }, types: EventType[]): Promise<Job[]> {
    await withTransaction(systemCtx(services), (tctx) =>
      emitEvents(tctx, types.map((type, i) => ({ type, organizationId: w.org, orderId: `order-${i}`, body: () => ({ id: `order-${i}`, type }) }))),
    );
    const claimed = await claimJobs(db, 'test', { kinds: [DELIVER_JOB], limit: 100, leaseMs: 60_000, perGroup: 100, perOrganization: 100, failingAfter: 5 });
    return claimed.filter((j) => (j.payload as { webhookId: string }).webhookId === w.id);
  }

  /**
   * Runs a job as the worker does; returns what the worker did (done, retry, failed). A retry's `delayMs` counts
   * from before the run, `slackMs` is how long the run took (a loaded machine can take a while).
   */
  async function run(job: Job, on: Services = services): Promise<{ outcome: 'done' | 'failed' } | { outcome: 'retry'; delayMs: number; slackMs: number }> {
    const before = Date.now();
    const r: JobOutcome = await runJob(on, handler, job);
    return r.outcome === 'retry' ? { outcome: 'retry', delayMs: r.retryAt.getTime() - before, slackMs: Date.now() - before } : r;
  }

  const jobState = async (id: number) => (await db.kysely.selectFrom('jobs').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
  const webhookRow = (id: string) => db.kysely.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const deliveries = (id: string) => db.kysely.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', id).orderBy('created_at').execute();

  it('sends a signed message, records the attempt and completes the job', async () => {
    const w = await webhook();
    const [job] = await emitAndClaim(w, ['order/created']);
    assert.deepEqual(await run(job), { outcome: 'done' });
    assert.equal(await jobState(job.id), 'done');
    assert.equal(hits.length, 1);
    const hit = hits[0];
    const verified = new Webhook(w.secret).verify(hit.body, hit.headers as Record<string, string>) as any;
    assert.equal(verified.header.type, 'order/created');
    assert.equal(verified.header.webhookId, w.id);
    assert.equal(verified.header.organizationId, w.org);
    assert.equal(verified.header.messageId, hit.headers['webhook-id']);
    assert.equal(hit.headers['webhook-id'], messageIdFor(w.id, (job.payload as { eventId: number }).eventId));
    assert.deepEqual(verified.body, { id: 'order-0', type: 'order/created' });
    const [d] = await deliveries(w.id);
    assert.deepEqual({ success: d.success, status: d.status_code, error: d.error, attempt: d.attempt }, { success: 1, status: 200, error: null, attempt: 1 });
  });

  it('counts failures, retries with backoff under the same webhook-id, and resets on success', async () => {
    const w = await webhook();
    const [job] = await emitAndClaim(w, ['order/updated']);
    answer = () => ({ status: 500, body: 'database down, try later' });
    const first = await run(job);
    assert.equal(first.outcome, 'retry');
    assert.ok(first.outcome === 'retry' && first.delayMs >= 80 && first.delayMs <= 120 + first.slackMs, JSON.stringify(first));
    assert.equal(await jobState(job.id), 'queued');
    assert.equal((await webhookRow(w.id)).consecutive_failures, 1);
    const second = await run({ ...job, attempts: 2 });
    assert.ok(second.outcome === 'retry' && second.delayMs >= 160 && second.delayMs <= 240 + second.slackMs, JSON.stringify(second));
    answer = () => ({ status: 200 });
    assert.deepEqual(await run({ ...job, attempts: 3 }), { outcome: 'done' });
    assert.equal((await webhookRow(w.id)).consecutive_failures, 0);
    assert.equal(new Set(hits.map((h) => h.headers['webhook-id'])).size, 1);
    const log = await deliveries(w.id);
    // The log keeps the start of each answer: a receiver often says why it refused.
    assert.deepEqual(log.map((d) => [d.attempt, d.success, d.status_code, d.error, d.response_body]), [
      [1, 0, 500, 'HTTP 500', 'database down, try later'],
      [2, 0, 500, 'HTTP 500', 'database down, try later'],
      [3, 1, 200, null, null],
    ]);
  });

  it('gives up once the retry window has closed, and shows the webhook FAILING', async () => {
    const w = await webhook();
    const [job] = await emitAndClaim(w, ['order/opened']);
    answer = () => ({ status: 500 });
    const old = { ...job, createdAt: new Date(Date.now() - 61_000).toISOString() };
    assert.deepEqual(await run(old), { outcome: 'failed' });
    assert.equal(await jobState(job.id), 'failed');
    assert.equal((await webhookRow(w.id)).consecutive_failures, 5);
    assert.match((await deliveries(w.id))[0].error!, /^HTTP 500; given up after 1 attempt/);
  });

  it('retries an unexpected error on the configured schedule, not the default one', async () => {
    const w = await webhook();
    const [job] = await emitAndClaim(w, ['order/updated']);
    const delay = handler.retryDelayMs(1, job, systemCtx(services));
    assert.ok(delay !== undefined && delay >= 80 && delay <= 120, String(delay)); // base 100 ms here, 5 s by default
  });

  it('honours Retry-After on 429 and 503', async () => {
    const w = await webhook();
    const [job] = await emitAndClaim(w, ['order/opened']);
    answer = () => ({ status: 429, headers: { 'retry-after': '3' } });
    const first = await run(job);
    assert.ok(first.outcome === 'retry' && first.delayMs >= 3_000 && first.delayMs <= 3_000 + first.slackMs, JSON.stringify(first));
    answer = () => ({ status: 503, headers: { 'retry-after': new Date(Date.now() + 10_000).toUTCString() } });
    const r = await run(job);
    assert.ok(r.outcome === 'retry' && r.delayMs > 8_000 && r.delayMs <= 10_000 + r.slackMs, JSON.stringify(r));
    assert.equal((await webhookRow(w.id)).consecutive_failures, 2);
  });

  it('disables the webhook on 410 Gone and drops its pending deliveries', async () => {
    const w = await webhook();
    const jobs = await emitAndClaim(w, ['order/created', 'order/updated']);
    answer = () => ({ status: 410 });
    assert.deepEqual(await run(jobs[0]), { outcome: 'done' });
    const row = await webhookRow(w.id);
    assert.equal(row.enabled, 0);
    assert.equal(await jobState(jobs[1].id), 'done');
    assert.match((await deliveries(w.id))[0].error!, /410 Gone/);
  });

  it('completes without sending for a disabled or deleted webhook', async () => {
    const w = await webhook();
    const jobs = await emitAndClaim(w, ['order/created', 'order/updated']);
    await db.kysely.updateTable('webhooks').set({ enabled: 0 }).where('id', '=', w.id).execute();
    assert.deepEqual(await run(jobs[0]), { outcome: 'done' });
    await db.kysely.deleteFrom('webhooks').where('id', '=', w.id).execute();
    assert.deepEqual(await run(jobs[1]), { outcome: 'done' });
    assert.equal(hits.length, 0);
    assert.deepEqual(await deliveries(w.id), []);
  });

  it('signs with both secrets during a rotation', async () => {
    const old = newSecret();
    const w = await webhook({ previous_secret: old, previous_secret_expires_at: new Date(Date.now() + 60_000).toISOString() });
    const [job] = await emitAndClaim(w, ['order/completed']);
    await run(job);
    const hit = hits[0];
    assert.equal(String(hit.headers['webhook-signature']).split(' ').length, 2);
    for (const secret of [w.secret, old]) new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>);
  });

  it('queues only subscribed events', async () => {
    const w = await webhook({ events: JSON.stringify(['order/completed']) });
    const jobs = await emitAndClaim(w, ['order/created', 'order/completed', 'order/updated']);
    assert.equal(jobs.length, 1);
    await run(jobs[0]);
    assert.equal(JSON.parse(hits[0].body).header.type, 'order/completed');
  });

  it('records a refused destination as a failed attempt', async () => {
    const w = await webhook();
    const [job] = await emitAndClaim(w, ['order/created']);
    const guarded: Services = { ...services, webhookAllowPrivate: false };
    assert.equal((await run(job, guarded)).outcome, 'retry');
    const [{ last_error }] = await db.kysely.selectFrom('jobs').select('last_error').where('id', '=', job.id).execute();
    assert.match(last_error!, /refused: 127\.0\.0\.1 is a loopback address/);
    assert.equal(hits.length, 0);
    const [d] = await deliveries(w.id);
    assert.match(d.error!, /^refused: /);
    assert.equal(d.status_code, null);
    assert.deepEqual(await run({ ...job, attempts: 2 }), { outcome: 'done' }); // allowed
    assert.equal(hits.length, 1);
  });
});
