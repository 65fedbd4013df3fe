/**
 * `npm run bench -- --scale N` (SPEC §11, #17): one server and one database holding two merchants, the demo's
 * grown to 10,000 orders and another to N (bench/lib/order-import.ts); every list and lookup of both dialects is
 * timed for each through HTTP, one request at a time, the two sizes alternating request by request so that the
 * shared machine's drift falls on both alike. Prints each query's median at 10k and at N and the ratio (goal
 * ≤ 1.5), and writes bench/results/scale[-postgres].json. Each query asks the same question at both sizes (date
 * filters name the newest or oldest 5,000 imported orders), so a flat query costs the same. Each merchant also
 * has a webhook with as many delivery attempts as orders (`webhookDeliveries`), and a dashboard user whose
 * orders pages (SPEC §10: under 100 ms of server time at 1M orders) are timed the same way.
 *
 *   --scale <n>          orders to grow to (≥ 20,000)
 *   --scale-samples <n>  timed requests per query and size (default 41); queries are interleaved round by round
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { BenchDatabase, type BenchDbKind } from './lib/bench-database.ts';
import { fetchToken } from './lib/ordergraph-client.ts';
import { importedAt, importOrders, STEP_MS, type ImportTarget } from './lib/order-import.ts';
import { importDeliveries } from './lib/delivery-import.ts';
import { DashboardClient } from '../test/support/dashboard-http.ts';
import { REPO_ROOT, runCli, startServe } from './lib/processes.ts';

const BASE = 10_000;
const WINDOW = 5_000;
const NODE = 'id number state status priority externalReference createdAt lines { sku quantity }';
const FULFILLER_NODE = 'id ref external_ref status status_name items { id sku quantity status }';

interface Query {
  name: string;
  dialect: 'merchant' | 'fulfiller' | 'dashboard';
  /** The query text and variables (for the dashboard: the page's path) for an organization of `count` imported orders. */
  build(count: number): { query: string; variables?: Record<string, unknown> };
}

function queries(t: ImportTarget, pageTwoCursor: () => string, webhookId: () => string): Query[] {
  const list = (name: string, filter: (n: number) => Record<string, unknown> | undefined, total = true): Query => ({
    name,
    dialect: 'merchant',
    build: (n) => ({
      query: `query($f: OrderFilter, $after: String) { orders(first: 20, after: $after, filter: $f) { ${total ? 'totalCount ' : ''}pageInfo { hasNextPage endCursor } edges { node { ${NODE} } } } }`,
      variables: { f: filter(n) },
    }),
  });
  const core = (name: string, args: (n: number) => string): Query => ({
    name,
    dialect: 'fulfiller',
    build: (n) => ({ query: `{ core { orders(${args(n)}, limit: 50) { ${FULFILLER_NODE} } } }` }),
  });
  const page = (name: string, at: () => string): Query => ({ name, dialect: 'dashboard', build: () => ({ query: at() }) });
  return [
    list('orders page + totalCount', () => undefined),
    list('orders page, no totalCount', () => undefined, false),
    {
      name: 'orders next page + totalCount',
      dialect: 'merchant',
      build: () => ({
        query: `query($after: String) { orders(first: 20, after: $after) { totalCount edges { node { ${NODE} } } } }`,
        variables: { after: pageTwoCursor() },
      }),
    },
    list('state: OPENED', () => ({ state: 'OPENED' })),
    list('state: DRAFT', () => ({ state: 'DRAFT' })),
    list('status: 1', () => ({ status: 1 })),
    list('status: 128 (rare)', () => ({ status: 128 })),
    list('priority: HIGH', () => ({ priority: 'HIGH' })),
    list('externalReference', () => ({ externalReference: 'SCALE-777' })),
    list('createdAfter (newest 5k)', (n) => ({ createdAfter: importedAt(t, n - WINDOW) })),
    list('createdBefore (oldest 5k)', () => ({ createdBefore: importedAt(t, WINDOW) })),
    list('state + priority', () => ({ state: 'OPENED', priority: 'HIGH' })),
    list('state + status + createdAfter', (n) => ({ state: 'COMPLETED', status: 128, createdAfter: importedAt(t, n - WINDOW) })),
    {
      name: 'order(byExternalReference)',
      dialect: 'merchant',
      build: () => ({ query: `{ order(byExternalReference: { externalReference: "SCALE-4242" }) { ${NODE} } }` }),
    },
    core('core.orders status [1]', () => 'status: [1]'),
    core('core.orders updated_since (newest 5k)', (n) => `updated_since: "${importedAt(t, n - WINDOW)}"`),
    core('core.orders after_id', () => 'after_id: 0'),
    core('core.orders no filter', () => 'ids: null'),
    {
      name: 'webhookDeliveries + totalCount',
      dialect: 'merchant',
      build: () => ({
        query: `query($id: String!) { webhookDeliveries(webhookId: $id, first: 20) { totalCount pageInfo { endCursor } edges { node { id attempt statusCode eventType createdAt } } } }`,
        variables: { id: webhookId() },
      }),
    },
    page('dashboard orders page', () => '/dashboard/orders'),
    page('dashboard orders state OPENED', () => '/dashboard/orders?state=OPENED'),
    page('dashboard orders number search', () => `/dashboard/orders?q=4242`),
  ];
}

async function post(origin: string, t: Tenant, dialect: Query['dialect'], body: { query: string }): Promise<{ ms: number; body: any }> {
  const started = process.hrtime.bigint();
  if (dialect === 'dashboard') {
    const r = await t.dashboard.get(body.query);
    if (r.status !== 200) throw new Error(`${body.query}: HTTP ${r.status}`);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, body: undefined };
  }
  const token = t.tokens[dialect];
  const res = await request(`${origin}${dialect === 'fulfiller' ? '/fulfiller/graphql' : '/graphql'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.statusCode !== 200 || text.includes('"errors"')) throw new Error(`query failed: HTTP ${res.statusCode} ${text.slice(0, 400)}`);
  return { ms, body: JSON.parse(text) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** A merchant grown to `count` orders, with a token for each dialect. */
interface Tenant {
  count: number;
  target: ImportTarget;
  tokens: Record<'merchant' | 'fulfiller', string>;
  /** Signed in to the dashboard as a user of the merchant. */
  dashboard: DashboardClient;
  /** The cursor of its first page (for "next page"). */
  cursor: string;
  webhookId: string;
}

export async function runScaleBench(opts: { target: number; samples: number; dbKind: BenchDbKind; log: (m: string) => void }): Promise<void> {
  const { target, samples, dbKind, log } = opts;
  if (target < BASE * 2) throw new Error(`--scale must be at least ${BASE * 2}`);
  const startedAt = new Date();
  const db = await BenchDatabase.create(dbKind, 'scale');
  await db.seedBeforeServe();
  const server = await startServe({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
  try {
    const cli = async (args: string[]) => JSON.parse(await runCli([...args, '--json'], { dataDir: db.dataDir, databaseUrl: db.databaseUrl }));
    const demo = db.demo();
    // The small merchant is the demo's; the large one a second merchant with its own supplier, in the same database.
    const merchant = await cli(['org', 'create', '--name', 'Scale merchant', '--kind', 'MERCHANT']);
    const supplier = await cli(['org', 'create', '--name', 'Scale supplier', '--kind', 'SUPPLIER']);
    const merchantClient = await cli(['client', 'create', '--org', merchant.id, '--name', 'scale', '--scopes', 'view_orders,edit_integrations']);
    const supplierClient = await cli([
      'client', 'create', '--org', supplier.id, '--name', 'scale', '--scopes', 'order-it.order-manager.view', '--access', merchant.id,
    ]);
    const tenant = async (count: number, idTag: number, m: string, sup: string, mc: typeof demo.merchant, sc: typeof demo.merchant): Promise<Tenant> => {
      const password = 'scale-bench-password';
      await cli(['user', 'create', '--org', m, '--email', `scale${idTag}@bench.invalid`, '--role', 'viewer', '--password', password]);
      const dashboard = new DashboardClient(server.origin);
      if ((await dashboard.signIn(`scale${idTag}@bench.invalid`, password)).status !== 303) throw new Error('dashboard sign-in failed');
      return {
        count,
        // Its newest import is a minute old: older than anything the demo made.
        target: { kind: dbKind, dataDir: db.dataDir, databaseUrl: db.databaseUrl, merchantOrgId: m, supplierOrgId: sup, idTag, startMs: Date.now() - 60_000 - count * STEP_MS },
        tokens: { merchant: await fetchToken(server.origin, mc), fulfiller: await fetchToken(server.origin, sc) },
        dashboard,
        cursor: '',
        webhookId: '',
      };
    };
    const small = await tenant(BASE, 0, demo.merchant.org_id, demo.supplier.org_id, demo.merchant, demo.supplier);
    const large = await tenant(target, 1, merchant.id, supplier.id, merchantClient, supplierClient);

    const importStarted = Date.now();
    for (const t of [small, large]) {
      log(`importing ${t.count.toLocaleString('en-US')} orders into one merchant (${dbKind})`);
      const started = Date.now();
      await importOrders(t.target, 1, t.count, log);
      t.webhookId = await importDeliveries(t.target, t.count);
      log(`  ${((Date.now() - started) / 1000).toFixed(1)} s (with as many webhook delivery attempts)`);
    }
    const importSeconds = (Date.now() - importStarted) / 1000;

    for (const t of [small, large]) {
      const first = await post(server.origin, t, 'merchant', { query: '{ orders(first: 20) { pageInfo { endCursor } } }' });
      t.cursor = first.body.data.orders.pageInfo.endCursor;
    }
    // One query list per merchant (its dates and cursor), timed in rounds: each round times every query once at
    // each size, in alternating order, so the machine's drift (7 other people's work) falls on both alike.
    const lists = [small, large].map((t) => queries(t.target, () => t.cursor, () => t.webhookId));
    const names = lists[0].map((q) => q.name);
    const times = [small, large].map(() => names.map(() => [] as number[]));
    log(`timing ${names.length} queries × ${samples} requests at each size`);
    for (let round = -3; round < samples; round++) {
      for (let i = 0; i < names.length; i++) {
        const order = (round + i) % 2 === 0 ? [0, 1] : [1, 0];
        for (const which of order) {
          const t = which === 0 ? small : large;
          const q = lists[which][i];
          const { ms } = await post(server.origin, t, q.dialect, q.build(t.count));
          if (round >= 0) times[which][i].push(ms); // the first rounds warm the caches
        }
      }
    }

    const rows = names.map((query, i) => {
      const atBase = median(times[0][i]);
      const atTarget = median(times[1][i]);
      return { query, medianMsAtBase: round2(atBase), medianMsAtTarget: round2(atTarget), ratio: round2(atTarget / atBase), met: atTarget / atBase <= 1.5 };
    });
    const head = ['query', `median ms @ ${BASE / 1000}k`, `median ms @ ${target / 1000}k`, 'ratio', '≤ 1.5?'];
    const body = rows.map((r) => [r.query, r.medianMsAtBase.toFixed(2), r.medianMsAtTarget.toFixed(2), r.ratio.toFixed(2), r.met ? 'yes' : 'NO']);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
    console.log(`\n${[fmt(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(fmt)].join('\n')}`);

    const out = path.join(REPO_ROOT, 'bench/results', `scale${dbKind === 'postgres' ? '-postgres' : ''}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const command = `${dbKind === 'postgres' ? 'BENCH_DB=postgres TEST_DATABASE_URL=… ' : ''}npm run bench -- --scale ${target}${samples !== 41 ? ` --scale-samples ${samples}` : ''}`;
    const json = { date: startedAt.toISOString(), command, node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), db: dbKind, base: BASE, target, samples, importSeconds, results: rows };
    fs.writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
    if (rows.some((r) => !r.met)) process.exitCode = 1;
  } catch (e) {
    log(`scale bench failed; the server's last output:\n${server.child.output()}`);
    throw e;
  } finally {
    await server.child.stop();
    await db.dispose();
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;
