/**
 * Scenario 6: how fast one `ordergraph worker` delivers a backlog of webhook events to a receiver on loopback.
 *
 * 1. A receiver in the bench process (bench/lib/webhook-receiver.ts: node:http, answers 204 at once).
 * 2. `serve --no-workers` on its own fresh database, with ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE=true (the receiver
 *    is on 127.0.0.1). Create `webhookOrders` DRAFT orders, then `webhookCreate(input: {endpoint, events: []})`
 *    (after the orders, so their `order/created` events are not part of the backlog).
 * 3. `webhookEvents` DRAFT `orderUpdate`s (a new comment each: one `order/updated` event and one delivery job
 *    each), 100 aliased per request, round-robin over the orders. A webhook's deliveries for one order go out
 *    one at a time, in order, so the backlog has `webhookOrders` independent queues of about
 *    webhookEvents / webhookOrders jobs, enough for the worker's 32 lanes.
 * 4. Stop the server, measure the bare baseline (32 connections) once, start `ordergraph worker` (same env),
 *    and wait until the receiver has seen every event's `webhook-id`.
 * 5. Rate = (distinct deliveries − 1) / (last − first arrival at the receiver): process start-up is excluded.
 *    The ratio column is that rate ÷ the bare baseline's req/s. Worker CPU is counted from the first delivery.
 */
import { performance } from 'node:perf_hooks';
import { backendCpuDeltaMs } from '../lib/bench-database.ts';
import { processCpuMs } from '../lib/load.ts';
import { createOrdersBulk, createWebhook, updateCommentsBulk } from '../lib/ordergraph-client.ts';
import { startWorker } from '../lib/processes.ts';
import { startReceiver, type Delivery } from '../lib/webhook-receiver.ts';
import type { ResultRow, Scenario } from './types.ts';

export const WEBHOOK_ENV = { ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true' };
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export const webhookDeliveries: Scenario = {
  id: 'webhookDeliveries',
  title: 'Webhook deliveries/s by `ordergraph worker` to a receiver on loopback',
  goal: { kind: 'rps', min: 2_000 },
  databases: ['sqlite', 'postgres'],
  async run(env) {
    const { webhookEvents: count, webhookOrders, drainTimeoutMs } = env.settings;
    const receiver = await startReceiver();
    // The receiver's listening socket would keep the bench alive: stop it whatever fails, start-up included.
    const server = await env.ownServer({ label: 'webhooks', noWorkers: true, env: WEBHOOK_ENV }).catch(async (e) => {
      await receiver.stop();
      throw e;
    });
    try {
      env.log(`  creating ${webhookOrders} DRAFT orders and a webhook to ${receiver.url}`);
      const orders = (await createOrdersBulk(server.origin, server.merchantToken, webhookOrders, 'DRAFT')).map((o) => o.id);
      const webhookId = await createWebhook(server.origin, server.merchantToken, receiver.url);
      env.log(`  queuing ${count} order/updated events (DRAFT orderUpdates, 100 aliased per request)`);
      const tq = performance.now();
      await updateCommentsBulk(server.origin, server.merchantToken, orders, count, 'bench webhook');
      const queueMs = performance.now() - tq;
      await server.stop();

      const db = server.db;
      const [q] = await db.query<{ n: number }>("SELECT count(*) AS n FROM jobs WHERE kind = 'webhook.deliver' AND state = 'queued'");
      const queued = Number(q.n);
      if (receiver.deliveries.length > 0) throw new Error(`the receiver got ${receiver.deliveries.length} deliveries from a --no-workers server`);
      const bare = await env.measureBare();

      env.log(`  ${queued} deliveries queued; starting the worker`);
      const profileFlags = env.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${env.profileDir}`] : [];
      const t0 = performance.now();
      const worker = startWorker({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env: WEBHOOK_ENV, nodeFlags: profileFlags });
      // Worker CPU from the first delivery on, so that start-up (tsx, migrations check) stays out.
      let cpuAtFirst: Promise<number | undefined> | undefined;
      let pgAtFirst: ReturnType<typeof db.backendCpu> | undefined;
      receiver.onDelivery = () => {
        cpuAtFirst ??= processCpuMs(worker.pid);
        pgAtFirst ??= db.backendCpu();
      };
      let timedOut = false;
      let cpuEnd: number | undefined;
      let cpuEndAt = 0;
      let pgAtEnd: Map<number, number> | undefined;
      try {
        while (receiver.unique() < queued) {
          if (!worker.running) throw new Error(`the worker exited:\n${worker.output()}`);
          if (performance.now() - t0 > drainTimeoutMs) {
            timedOut = true;
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        cpuEnd = await processCpuMs(worker.pid);
        cpuEndAt = performance.now();
        pgAtEnd = await db.backendCpu();
      } finally {
        receiver.onDelivery = undefined;
        await worker.stop();
      }
      const wallMs = performance.now() - t0;
      const all: Delivery[] = receiver.deliveries;
      const unique = receiver.unique();
      const first = all[0];
      const last = all.at(-1);
      const spanMs = first && last ? last.at - first.at : 0;
      const rps = spanMs > 0 ? round(((unique - 1) * 1000) / spanMs) : 0;
      const cpuStart = cpuAtFirst ? await cpuAtFirst : undefined;
      const workerCpuMs = cpuStart !== undefined && cpuEnd !== undefined ? cpuEnd - cpuStart : undefined;
      const pgMs = backendCpuDeltaMs(pgAtFirst ? await pgAtFirst : undefined, pgAtEnd);
      const workerCpuUsPerDelivery = workerCpuMs !== undefined && unique > 1 ? round((workerCpuMs * 1000) / (unique - 1)) : undefined;
      const [d] = await db.query<{ ok: number; failed: number }>(
        'SELECT sum(CASE WHEN success = 1 THEN 1 ELSE 0 END) AS ok, sum(CASE WHEN success = 1 THEN 0 ELSE 1 END) AS failed FROM webhook_deliveries WHERE webhook_id = ?',
        [webhookId],
      );
      const notes: string[] = [];
      if (timedOut) notes.push(`drain timed out after ${drainTimeoutMs} ms with ${queued - unique} not delivered: the rate is over what arrived`);
      if (all.length > unique) notes.push(`${all.length - unique} deliveries were repeats of an event already received`);
      if (Number(d.failed) > 0) notes.push(`${d.failed} delivery attempts failed (see webhook_deliveries)`);
      if (queued !== count) notes.push(`${queued} deliveries were queued for ${count} updates`);
      const goal = this.goal!;
      const row: ResultRow = {
        scenario: this.id,
        title: this.title,
        db: env.dbKind,
        rps,
        unit: 'deliveries/s',
        bareRps: bare.rps,
        ratio: bare.rps > 0 ? round(rps / bare.rps, 3) : undefined,
        goal,
        met: !timedOut && unique === queued && goal.kind === 'rps' && rps >= goal.min,
        details: {
          queued,
          delivered: unique,
          received: all.length,
          attemptsLogged: { ok: Number(d.ok ?? 0), failed: Number(d.failed ?? 0) },
          firstToLastMs: round(spanMs),
          wallMsIncludingStartup: round(wallMs),
          wallRps: round((unique * 1000) / wallMs),
          workerCpuPct: workerCpuMs !== undefined && first ? round((workerCpuMs / (cpuEndAt - first.at)) * 100, 0) : undefined,
          workerCpuUsPerRequest: workerCpuUsPerDelivery,
          cpuBoundCeilingRps: workerCpuUsPerDelivery ? round(1e6 / workerCpuUsPerDelivery, 0) : undefined,
          // PostgreSQL: the CPU of the database's backends over the same span (the worker's connections).
          ...(pgMs !== undefined && first && unique > 1
            ? { pgBackendCpuUsPerDelivery: round((pgMs * 1000) / (unique - 1)), pgBackendCpuPct: round((pgMs / (cpuEndAt - first.at)) * 100, 0) }
            : {}),
          bare: { rps: bare.rps, latencyMs: bare.latencyMs, serverCpuUsPerRequest: bare.serverCpuUsPerRequest },
          ratioMeaning: 'deliveries/s ÷ bare req/s (one bare run before the drain, 32 connections)',
          orders: webhookOrders,
          queueMs: round(queueMs),
        },
        notes,
        profileWindowsUs: first && last ? [{ start: first.monoUs, end: last.monoUs }] : undefined,
      };
      return [row];
    } finally {
      await server.stop();
      await receiver.stop();
    }
  },
};
