/**
 * The soak's steady-state mode (`npm run soak -- --retention`, issue #17): the server prunes with windows of a
 * minute (ORDERGRAPH_RETENTION_*), the load is paced, the database size is sampled every minute of the load
 * (SQLite: the main file + its WAL; PostgreSQL: pg_database_size), and the run fails when the size at the end of
 * the load is not within 10 % of the size at its half-way minute (10 vs 5 in the 10-minute run).
 *
 * Orders and their history are never pruned, so under any load they grow; the mode starts from an archive
 * tenant of imported orders (as a real database holds years of them) so that the check measures what retention
 * controls against a database of a realistic size, and prints the rows of each table every minute so that the
 * growth of history is visible beside the flat transient tables.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TestServer } from '../test/support/test-server.ts';
import type { DirectDb } from '../test/support/direct-db.ts';
import { createOrganization } from '../test/support/oauth.ts';
import { importOrders, STEP_MS } from '../bench/lib/order-import.ts';
import { check, type Check } from './check.ts';

/** Every retention window of the mode, unless `--window` says otherwise; the prune runs every RETENTION_INTERVAL. */
export const RETENTION_WINDOW_MS = 60_000;
const RETENTION_INTERVAL = '15s';
/** How far the size at the end may be from the size at half-time. */
export const SIZE_TOLERANCE = 0.1;

/**
 * Server settings of the mode: every retention window `windowMs`, and a webhook retry window of three minutes, so
 * that the dead endpoint's backlog (noisy-tenant.ts) is bounded too: it is retried for a day by default.
 */
export function steadyStateEnv(windowMs: number): Record<string, string> {
  const window = `${windowMs}ms`;
  return {
    ORDERGRAPH_RETENTION_INTERVAL: RETENTION_INTERVAL,
    ORDERGRAPH_RETENTION_JOBS: window,
    ORDERGRAPH_RETENTION_DELIVERY_LOG: window,
    ORDERGRAPH_RETENTION_REQUESTS: window,
    ORDERGRAPH_RETENTION_IDEMPOTENCY: window,
    ORDERGRAPH_RETENTION_REVOKED_TOKENS: window,
    ORDERGRAPH_WEBHOOK_RETRY_WINDOW_MS: String(180_000),
  };
}

export interface SizeSample {
  minute: number;
  bytes: number;
  /** SQLite: the WAL's share of `bytes`. */
  walBytes?: number;
  rows: Record<string, number>;
  /** Requests the load sent during the minute. */
  requests: number;
}

const COUNTED = ['orders', 'order_events', 'jobs', 'outbox_events', 'webhook_deliveries', 'dispatchable_requests', 'idempotency_keys'] as const;

/** The database's size: the SQLite file and its WAL, or PostgreSQL's pg_database_size. */
export async function databaseBytes(server: Pick<TestServer, 'databaseUrl' | 'dataDir'>, db: DirectDb): Promise<{ bytes: number; walBytes?: number }> {
  if (server.databaseUrl) {
    const [{ n }] = await db.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n');
    return { bytes: Number(n) };
  }
  const file = path.join(server.dataDir, 'ordergraph.sqlite');
  const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  const walBytes = size(`${file}-wal`);
  return { bytes: size(file) + walBytes, walBytes };
}

async function rowCounts(db: DirectDb): Promise<Record<string, number>> {
  const count = async (sql: string) => Number((await db.query<{ n: number }>(sql))[0].n);
  const rows: Record<string, number> = {};
  for (const table of COUNTED) rows[table] = await count(`SELECT COUNT(*) AS n FROM ${table}`);
  // A backlog of queued jobs is not retention's to prune: a load the server cannot keep up with grows it.
  rows['jobs queued'] = await count("SELECT COUNT(*) AS n FROM jobs WHERE state = 'queued'");
  return rows;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(2);

export function formatSample(s: SizeSample): string {
  const wal = s.walBytes !== undefined ? ` (WAL ${mb(s.walBytes)} MB)` : '';
  const rows = Object.entries(s.rows)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
  return `  size at ${s.minute} min: ${mb(s.bytes)} MB${wal}; ${s.requests} requests in the minute; rows: ${rows}`;
}

/** Samples the size at the start (minute 0) and after every full minute until stopped. */
export function startSizeSampler(
  server: Pick<TestServer, 'databaseUrl' | 'dataDir'>,
  db: DirectDb,
  requestsSoFar: () => number,
  log: (line: string) => void,
): { samples: SizeSample[]; stop(): Promise<void> } {
  const samples: SizeSample[] = [];
  const started = Date.now();
  let lastRequests = requestsSoFar();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const take = async (minute: number) => {
    const requests = requestsSoFar();
    const sample = { minute, ...(await databaseBytes(server, db)), rows: await rowCounts(db), requests: requests - lastRequests };
    lastRequests = requests;
    samples.push(sample);
    log(formatSample(sample));
  };
  const schedule = (minute: number) => {
    timer = setTimeout(() => {
      running = take(minute).catch((e) => log(`  size at ${minute} min: not sampled (${e})`));
      schedule(minute + 1);
    }, started + minute * 60_000 - Date.now());
  };
  running = take(0);
  schedule(1);
  return {
    samples,
    /** Takes the sample of the minute the load ends in, unless its timer already did. */
    async stop() {
      clearTimeout(timer);
      await running;
      const minute = Math.round((Date.now() - started) / 60_000);
      if (!samples.some((s) => s.minute === minute)) await take(minute);
      if (server.databaseUrl) log(await vacuumReport(db));
    },
  };
}

/** PostgreSQL: how often autovacuum ran on the pruned tables, and the dead rows it has not reclaimed yet. */
async function vacuumReport(db: DirectDb): Promise<string> {
  const rows = await db.query<{ relname: string; live: number; dead: number; vacuums: number }>(
    `SELECT relname, n_live_tup AS live, n_dead_tup AS dead, autovacuum_count AS vacuums FROM pg_stat_user_tables
      WHERE relname IN ('jobs', 'outbox_events', 'webhook_deliveries', 'dispatchable_requests', 'orders', 'webhooks') ORDER BY relname`,
  );
  return `  autovacuum: ${rows.map((r) => `${r.relname} ${r.vacuums} runs (${r.live} live, ${r.dead} dead rows)`).join('; ')}`;
}

/**
 * The rule: the size at the last full minute of the load (M) is within SIZE_TOLERANCE of the size at minute
 * round(M / 2). Fails when either sample is missing (a run shorter than 2 minutes cannot show a steady state).
 */
export function sizeStableCheck(samples: SizeSample[], tolerance = SIZE_TOLERANCE): Check {
  const name = `database size at the end of the load within ${tolerance * 100} % of the size at half-time`;
  const last = samples.reduce((m, s) => Math.max(m, s.minute), 0);
  const half = Math.round(last / 2);
  const end = samples.find((s) => s.minute === last);
  const mid = samples.find((s) => s.minute === half);
  if (last < 2 || !end || !mid) return check(name, `samples at minutes ${samples.map((s) => s.minute).join(', ')}`, ['needs samples at minute M ≥ 2 and at round(M / 2)']);
  const change = (end.bytes - mid.bytes) / mid.bytes;
  const detail = `${mb(mid.bytes)} MB at ${half} min, ${mb(end.bytes)} MB at ${last} min (${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)} %)`;
  return check(name, detail, Math.abs(change) <= tolerance ? [] : [`${(change * 100).toFixed(1)} % is outside ±${tolerance * 100} %`]);
}

/** An archive tenant with `count` imported orders (bench/lib/order-import.ts: orders, lines, delivery orders). */
export async function seedArchive(server: TestServer, count: number, log: (line: string) => void): Promise<void> {
  if (count <= 0) return;
  const supplier = await createOrganization(server, { kind: 'SUPPLIER' });
  const merchant = await createOrganization(server, { kind: 'MERCHANT', defaultSupplier: supplier.id });
  const started = Date.now();
  await importOrders(
    {
      kind: server.dbKind,
      dataDir: server.dataDir,
      databaseUrl: server.databaseUrl,
      merchantOrgId: merchant.id,
      supplierOrgId: supplier.id,
      idTag: 7,
      startMs: Date.now() - 60_000 - count * STEP_MS,
    },
    1,
    count,
    () => {},
  );
  log(`archive tenant: ${count} orders imported in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
