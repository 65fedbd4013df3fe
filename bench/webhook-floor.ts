/**
 * The floor under `webhookDeliveries` on PostgreSQL (#17): how fast the database work of a delivery and its HTTP
 * send can go on this machine when nothing else is done, next to the product's worker, in the same run.
 *
 *   node --import tsx bench/webhook-floor.ts [--deliveries 5000] [--orders 500] [--rounds 2]
 *   (TEST_DATABASE_URL: the PostgreSQL to create og_bench_floor_* databases on; the default is the test cluster's)
 *
 * Each drain starts from a fresh database holding one webhook and `deliveries` queued `order/updated` deliveries
 * over `orders` orders (queued by the product's emitEvents, as the scenario's orderUpdates do), and a receiver in
 * a child process on 127.0.0.1 that answers 204 and counts. Rounds alternate:
 * - `worker`: the product's workers (startWorkers + the delivery handler) in this process, as `ordergraph worker`;
 * - `raw`: the same statements from one bare pg connection in pipeline mode, 16 lanes (the per-webhook cap) at
 *   once: per lane the product's claim text (limit 1), then per delivery the product's load statement (claimed
 *   jobs only) and its record statement (log row + job done + hand-off of the next job of the key, which comes back
 *   with its webhook and event), and an undici POST of the stored
 *   event payload. No envelope, signature, batching, metrics or job bookkeeping in JavaScript.
 * Printed per drain: deliveries/s (first to last arrival at the receiver), this process's CPU, the database
 * backends' CPU and the receiver's CPU, each per delivery (Linux /proc), and PostgreSQL's transactions (a
 * statement outside a transaction is one) and shared-buffer hits per delivery (pg_stat_database; the 1 s stats
 * flush is waited for, and the claims of the lanes stopping are counted too).
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Agent, request } from 'undici';
import { systemCtx, withTransaction, type Services } from '../src/context.ts';
import { openDatabase, type Db } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { analyzeJobs } from '../src/db/sql/analyze-jobs.ts';
import { claimStatement, type ClaimedJobRow } from '../src/db/sql/claim-jobs.ts';
import { PG_LOAD } from '../src/db/sql/load-deliveries.ts';
import { PG_RECORD } from '../src/db/sql/record-deliveries.ts';
import { JobSignal } from '../src/jobs/job-signal.ts';
import { startWorkers } from '../src/jobs/workers.ts';
import { DELIVER_JOB, emitEvents } from '../src/webhooks/outbox.ts';
import { webhookDeliveryHandler } from '../src/webhooks/webhook-delivery.ts';
import { closeWebhookConnections } from '../src/webhooks/webhook-http-client.ts';
import { newSecret } from '../src/webhooks/webhook-signing.ts';

/** The child: answers every POST 204, tells the parent when `target` have arrived and how long they took. */
function runReceiver(): void {
  let n = 0;
  let first = 0;
  let target = 0;
  const server = http.createServer((req, res) => {
    req.resume().on('end', () => {
      res.writeHead(204).end();
      if (++n === 1) first = performance.now();
      if (n === target) process.send!({ done: true, spanMs: performance.now() - first });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
  process.on('message', (m: { target?: number; cpu?: boolean }) => {
    if (m.target !== undefined) [n, target] = [0, m.target];
    if (m.cpu) process.send!({ cpuUs: process.cpuUsage().user + process.cpuUsage().system });
  });
}

const LANES = 16;
const LEASE_MS = 60_000;
const cpuMsOf = (pid: number): number | undefined => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in 100 Hz ticks
  } catch {
    return undefined;
  }
};

async function main(): Promise<void> {
  const { values: o } = parseArgs({ options: { deliveries: { type: 'string' }, orders: { type: 'string' }, rounds: { type: 'string' } } });
  const deliveries = Number(o.deliveries ?? 5000);
  const orders = Number(o.orders ?? 500);
  const rounds = Number(o.rounds ?? 2);
  const admin = process.env.TEST_DATABASE_URL ?? 'postgres://ordergraph:ordergraph@127.0.0.1:5432/ordergraph_test';
  const receiver = fork(new URL(import.meta.url).pathname, ['--receiver'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((r) => receiver.once('message', (m: { port: number }) => r(m.port)));
  const ask = <T>(msg: object, key: string) =>
    new Promise<T>((r) => {
      const on = (m: Record<string, unknown>) => {
        if (key in m) {
          receiver.off('message', on);
          r(m as T);
        }
      };
      receiver.on('message', on);
      receiver.send(msg);
    });
  try {
    console.log(`webhook floor: ${deliveries} deliveries over ${orders} orders, one webhook, ${LANES} lanes; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
    console.log('mode   | deliveries/s | client CPU µs/delivery | PG backend µs/delivery | receiver µs/delivery | transactions/delivery | buffer hits/delivery | load');
    for (let round = 0; round < rounds; round++) {
      for (const mode of ['worker', 'raw'] as const) {
        const name = `og_bench_floor_${process.pid}_${round}_${mode}`;
        const url = await createDatabase(admin, name);
        const dataDir = `/tmp/${name}`;
        mkdirSync(dataDir, { recursive: true });
        const db = openDatabase({ databaseUrl: url, dataDir });
        try {
          await queueDeliveries(db, `http://127.0.0.1:${port}/hook`, deliveries, orders);
          const backends = async () => {
            const rows = (await db.kysely.selectFrom('pg_stat_activity' as never).select('pid' as never).where('datname' as never, '=', name as never).execute()) as { pid: number }[];
            return new Map(rows.map((r) => [Number(r.pid), cpuMsOf(Number(r.pid)) ?? 0]));
          };
          const receiverCpu0 = (await ask<{ cpuUs: number }>({ target: deliveries, cpu: true }, 'cpuUs')).cpuUs;
          const arrived = ask<{ spanMs: number }>({}, 'spanMs');
          const stats = async () => {
            await new Promise((r) => setTimeout(r, 1100)); // backends report their counters at most once a second
            const [r] = (await db.kysely.selectFrom('pg_stat_database' as never).select(['xact_commit', 'blks_hit'] as never).where('datname' as never, '=', name as never).execute()) as { xact_commit: string; blks_hit: string }[];
            return { commits: Number(r.xact_commit), hits: Number(r.blks_hit) };
          };
          const stats0 = await stats();
          const before = await backends();
          const cpu0 = process.cpuUsage();
          const stop = mode === 'worker' ? startProductWorker(db) : await startRaw(url, db, `http://127.0.0.1:${port}/hook`);
          const { spanMs } = await arrived;
          const cpu = process.cpuUsage(cpu0);
          let backendMs = 0;
          for (const [pid, ms] of await backends()) backendMs += ms - (before.get(pid) ?? 0);
          const receiverCpu = (await ask<{ cpuUs: number }>({ cpu: true }, 'cpuUs')).cpuUs - receiverCpu0;
          await stop();
          const stats1 = await stats();
          const per = (us: number) => Math.round(us / deliveries);
          const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
          console.log(
            `${mode.padEnd(6)} | ${String(Math.round((deliveries - 1) / (spanMs / 1000))).padStart(12)} | ${String(per(cpu.user + cpu.system)).padStart(22)} | ${String(per(backendMs * 1000)).padStart(22)} | ${String(per(receiverCpu)).padStart(20)} | ${((stats1.commits - stats0.commits) / deliveries).toFixed(2)} | ${Math.round((stats1.hits - stats0.hits) / deliveries)} | ${load}`,
          );
        } finally {
          await db.close();
          await dropDatabase(admin, name);
          rmSync(dataDir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    receiver.kill();
    await closeWebhookConnections();
  }
}

async function createDatabase(admin: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(admin: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await c.end();
}

/** One webhook to `endpoint`, and `count` order/updated events round-robin over `orders` orders (a delivery job each). */
async function queueDeliveries(db: Db, endpoint: string, count: number, orders: number): Promise<void> {
  await migrateToLatest(db);
  const now = new Date().toISOString();
  await db.kysely
    .insertInto('webhooks')
    .values({ id: 'wh-floor', organization_id: 'org-floor', endpoint, format: 'STANDARD', events: '[]', headers: '{}', secret: newSecret(), previous_secret: null, previous_secret_expires_at: null, enabled: 1, consecutive_failures: 0, created_at: now, updated_at: now })
    .execute();
  const services = { db, jobsQueued: () => {}, webhookAllowPrivate: true } as Services;
  const body = { comment: 'bench webhook', lines: [1, 2, 3].map((i) => ({ sku: `SKU-${i}`, quantity: 1, price: '9.99', name: 'A product name' })) };
  for (let from = 0; from < count; from += 500) {
    const events = Array.from({ length: Math.min(500, count - from) }, (_, i) => ({
      type: 'order/updated' as const,
      organizationId: 'org-floor',
      orderId: `order-${(from + i) % orders}`,
      body: () => ({ id: `order-${(from + i) % orders}`, ...body }),
    }));
    await withTransaction(systemCtx(services), (tctx) => emitEvents(tctx, events));
  }
}

function startProductWorker(db: Db): () => Promise<void> {
  const services = { db, jobsQueued: () => {}, webhookAllowPrivate: true } as Services;
  const workers = startWorkers(services, new JobSignal(db), [webhookDeliveryHandler]);
  return () => workers.stop();
}

type RawJob = ClaimedJobRow & { event_payload?: string; webhook?: { organization_id: string } };

/**
 * The raw client, on one pipelined connection, in waves of up to LANES deliveries (the product batches the same
 * way: one record statement for the deliveries that run together): claim what the lanes miss (once
 * 8 are missing or 50 ms have passed, as the worker), load the claimed jobs' webhooks and events in one statement, POST
 * each, record the wave (log rows, jobs done, hand-off of each key's next job, read with its webhook and event, so
 * only claimed jobs are loaded) in one statement.
 */
async function startRaw(url: string, db: Db, endpoint: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url, pipeline: true } as pg.ClientConfig);
  await client.connect();
  await analyzeJobs(db); // as the product's worker does when it starts
  const agent = new Agent({ keepAliveTimeout: 4_000 });
  const limits = { kinds: [DELIVER_JOB], limit: LANES, leaseMs: LEASE_MS, perGroup: LANES, perOrganization: 32, failingAfter: 5 };
  const claim = async (limit: number): Promise<ClaimedJobRow[]> => {
    const { sql: text, parameters } = claimStatement(db, 'raw', { ...limits, limit }).compile(db.kysely);
    return (await client.query<ClaimedJobRow>({ name: 'claim', text, values: parameters as unknown[] })).rows;
  };
  let n = 0;
  const post = async (body: string, id: number) => {
    const started = performance.now();
    const res = await request(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': `msg_${id}` }, body, dispatcher: agent });
    await res.body.dump();
    return { status: res.statusCode, durationMs: Math.round(performance.now() - started) };
  };
  // Claimed jobs are loaded; handed ones come back from the record statement with their webhook and event.
  const wave = async (jobs: RawJob[]): Promise<RawJob[]> => {
    const payloads = jobs.map((j) => JSON.parse(j.payload) as { webhookId: string; eventId: number });
    const unloaded = jobs.flatMap((j, i) => (j.event_payload === undefined ? [i] : []));
    if (unloaded.length > 0) {
      const loadValues = [unloaded.map((i) => payloads[i].webhookId), unloaded.map((i) => payloads[i].eventId)];
      const pairs = (await client.query<{ organization_id: string; event_payload: string }>({ name: 'load', text: PG_LOAD, values: loadValues })).rows;
      unloaded.forEach((i, k) => Object.assign(jobs[i], { event_payload: pairs[k].event_payload, webhook: { organization_id: pairs[k].organization_id } }));
    }
    const sent = await Promise.all(jobs.map((j) => post(j.event_payload!, j.id)));
    const ids = jobs.map((j) => j.id);
    const values = [
      jobs.map(() => `raw-${++n}`),
      payloads.map((p) => p.webhookId),
      jobs.map((j) => j.webhook!.organization_id),
      payloads.map((p) => p.eventId),
      ids,
      jobs.map((j) => j.attempts),
      sent.map((s) => s.status),
      sent.map((s) => s.durationMs),
      jobs.map(() => null),
      new Date().toISOString(),
      ids,
      ids,
      new Date(Date.now() + LEASE_MS).toISOString(),
      'raw',
    ];
    return (await client.query<RawJob>({ name: 'record', text: PG_RECORD, values })).rows;
  };
  let stopped = false;
  const loop = (async () => {
    let jobs: RawJob[] = [];
    let claimedAt = 0;
    while (!stopped) {
      const missing = LANES - jobs.length;
      if (missing >= 8 || (missing > 0 && performance.now() - claimedAt >= 50)) {
        jobs = [...jobs, ...(await claim(missing))];
        claimedAt = performance.now();
      }
      if (jobs.length === 0) await new Promise((r) => setTimeout(r, 50));
      else jobs = await wave(jobs);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    await agent.close();
    await client.end();
  };
}

if (process.argv.includes('--receiver')) runReceiver();
else await main();
