/**
 * `node --import tsx bench/dashboard-orders.ts [N]` (SPEC §10/§11): the dashboard's orders page at 4 orders and at
 * N (default 1,000,000) in one merchant organization, on embedded SQLite. Seeds the demo, times the pages, adds N
 * orders (one line each) by direct inserts, times them again. Prints the median response time (loopback, one
 * request at a time, so ≈ server time) of the first page, the second page, a number search and a state filter.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { DashboardClient } from '../test/support/dashboard-http.ts';
import { freePort } from '../test/support/free-port.ts';
import { REPO_ROOT, ORDERGRAPH_BIN } from '../test/support/paths.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const SAMPLES = 31;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-dash-bench-'));
const env = { ...process.env, DATA_DIR: dataDir, ORDERGRAPH_DEMO: 'false', ORDERGRAPH_SANDBOX: 'false', ORDERGRAPH_WORKERS: 'false', LOG_LEVEL: 'warn' };

function run(args: string[], extra: Record<string, string> = {}) {
  return spawn(process.execPath, [ORDERGRAPH_BIN, ...args], { cwd: REPO_ROOT, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'inherit'] });
}

async function cliJson(args: string[]): Promise<any> {
  const child = run(args);
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  await new Promise((resolve) => child.on('exit', resolve));
  return JSON.parse(out);
}

async function timePages(label: string, login: { email: string; password: string }, count: number): Promise<void> {
  const port = await freePort();
  const server = run(['serve', '--no-workers'], { PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {}
    if (i > 600) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const c = new DashboardClient(url);
  if ((await c.signIn(login.email, login.password)).status !== 303) throw new Error('sign-in failed');
  const first = await c.get('/dashboard/orders');
  const next = /href="(\/dashboard\/orders\?after=[^"]+)"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
  const pages: [string, string | undefined][] = [
    ['first page', '/dashboard/orders'],
    ['second page', next],
    ['number search', `/dashboard/orders?q=${Math.max(1, Math.floor(count / 2))}`],
    ['state OPENED', '/dashboard/orders?state=OPENED'],
  ];
  for (const [name, p] of pages) {
    if (!p) continue;
    const times: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t = performance.now();
      const r = await c.get(p);
      times.push(performance.now() - t);
      if (r.status !== 200) throw new Error(`${p}: ${r.status}`);
    }
    times.sort((a, b) => a - b);
    console.log(`${label.padEnd(12)} ${name.padEnd(14)} median ${times[SAMPLES >> 1].toFixed(1)} ms  p90 ${times[Math.floor(SAMPLES * 0.9)].toFixed(1)} ms`);
  }
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
}

const demo = await cliJson(['demo', '--json']);
await timePages('4 orders', demo.merchant.user, 4);

const db = new SQLite(path.join(dataDir, 'ordergraph.sqlite'));
const insertOrder = db.prepare(
  `INSERT INTO orders (id, number, organization_id, supplier_id, external_reference, state, status, currency, total, locked, version, created_at, updated_at)
   VALUES (?, ?, ?, ?, ?, ?, ?, 'EUR', 10, 0, 1, ?, ?)`,
);
const insertLine = db.prepare(`INSERT INTO order_lines (order_id, organization_id, position, sku, label, quantity, status) VALUES (?, ?, 0, 'SKU', 'Item', 1, 'PENDING')`);
const start = Date.parse('2020-01-01T00:00:00Z');
const states = ['DRAFT', 'OPENED', 'COMPLETED'];
db.transaction(() => {
  for (let i = 0; i < N; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const at = new Date(start + i * 1000).toISOString();
    insertOrder.run(id, 100 + i, demo.merchant.org_id, demo.supplier.org_id, `BULK-${i}`, states[i % 3], i % 3 === 0 ? 0 : 1, at, at);
    insertLine.run(id, demo.merchant.org_id);
  }
})();
db.exec('ANALYZE');
db.close();
await timePages(`${N} orders`, demo.merchant.user, N);
fs.rmSync(dataDir, { recursive: true, force: true });
