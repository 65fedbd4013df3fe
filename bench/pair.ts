/**
 * A paired A/B of the DRAFT `orderUpdate` hot path between two checkouts: one `serve` per tree, both alive at
 * once, loaded in alternating rounds (who goes first alternates too), so that the host's drift, which moves a
 * single run by ±30 % here, hits both alike. Each pass reports the geometric mean of its per-round ratios; two
 * passes, with the trees' places swapped, cancel any edge of one place over the other.
 *
 *   npm run bench:pair -- <tree A> [<tree B = this checkout>] [--rounds 16] [--round-ms 1000] [--connections 32]
 *   BENCH_DB=postgres TEST_DATABASE_URL=postgres://… npm run bench:pair -- <tree A>     (the same on PostgreSQL)
 *
 * A tree is a checkout with its dependencies, e.g. `git worktree add /tmp/base <rev>` and
 * `ln -s "$PWD/node_modules" /tmp/base/node_modules`. The same tree twice (an A/A run) shows the method's own
 * spread.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad } from './lib/load.ts';
import { createOrders, fetchToken } from './lib/ordergraph-client.ts';
import { REPO_ROOT, runCli, startServe, type Child } from './lib/processes.ts';
import { DRAFT_ORDERS, draftUpdates } from './scenarios/order-update-draft.ts';
import { createTestDatabase } from '../test/support/test-database.ts';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '16' },
    'round-ms': { type: 'string', default: '1000' },
    connections: { type: 'string', default: '32' },
  },
});
if (positionals.length < 1) throw new Error('usage: npm run bench:pair -- <tree A> [<tree B>] [--rounds n]');
const trees = [path.resolve(positionals[0]), path.resolve(positionals[1] ?? REPO_ROOT)];
const rounds = Number(opt.rounds);
const roundMs = Number(opt['round-ms']);
const connections = Number(opt.connections);

interface Side {
  child: Child;
  dir: string;
  drop(): Promise<void>;
  load(ms: number): Promise<{ rps: number; cpuUs: number }>;
}

/**
 * `serve` from `tree` on a fresh SQLite data directory (with BENCH_DB=postgres: a fresh database next to
 * TEST_DATABASE_URL, dropped at the end), with the bench's DRAFT orders to update.
 */
async function start(tree: string): Promise<Side> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-pair-'));
  const database = process.env.BENCH_DB === 'postgres' ? await createTestDatabase('postgres') : undefined;
  // `serve` seeds the demo only on SQLite.
  const bin = path.join(tree, 'bin/ordergraph.js');
  if (database) await runCli(['demo', '--json'], { dataDir: dir, databaseUrl: database.url, bin }).catch((e) => database.drop().then(() => Promise.reject(e)));
  const { child, origin } = await startServe({ dataDir: dir, databaseUrl: database?.url, bin });
  const token = await fetchToken(origin, JSON.parse(fs.readFileSync(path.join(dir, 'demo.json'), 'utf8')).merchant);
  const orders = await createOrders(origin, token, DRAFT_ORDERS, 'DRAFT');
  let loads = 0;
  const load = async (ms: number) => {
    const r = await runLoad({ origin, connections, durationMs: ms, serverPid: child.pid, ...draftUpdates(token, orders, `pair ${loads++}`) });
    if (r.failed > 0) throw new Error(`${r.failed} failed requests against ${tree}: ${r.errors.join('; ')}`);
    return { rps: r.rps, cpuUs: r.serverCpuUsPerRequest ?? Number.NaN };
  };
  return { child, dir, load, drop: async () => database?.drop() };
}

const geomean = (xs: number[]) => Math.exp(xs.reduce((sum, x) => sum + Math.log(x), 0) / xs.length);

/** One pass: `later` started second; per round, its requests/s and CPU a request over `earlier`'s. */
async function pass(earlier: string, later: string): Promise<{ rps: number; cpu: number; wins: number }> {
  console.log(`\npass: ${earlier} started first, ${later} second`);
  const sides = [await start(earlier), await start(later)];
  try {
    for (const s of sides) await s.load(2000); // warm-up
    const rps: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const got: { rps: number; cpuUs: number }[] = [];
      for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) got[i] = await sides[i].load(roundMs);
      const [a, b] = got;
      rps.push(b.rps / a.rps);
      cpu.push(b.cpuUs / a.cpuUs);
      console.log(`  round ${r + 1}: first ${a.rps.toFixed(0)} req/s, ${a.cpuUs.toFixed(0)} µs/req   second ${b.rps.toFixed(0)} req/s, ${b.cpuUs.toFixed(0)} µs/req`);
    }
    return { rps: geomean(rps), cpu: geomean(cpu), wins: rps.filter((x) => x > 1).length };
  } finally {
    for (const s of sides) {
      await s.child.stop();
      await s.drop();
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
  }
}

// A pass can favour one of the two places by a few percent (A/A passes here gave 0.95–1.04), so each tree takes
// each place once: pass 1 gives (B/A)·bias, pass 2 (A/B)·bias, and the square root of their quotient cancels it.
const [a, b] = trees;
const one = await pass(a, b);
const two = await pass(b, a);
console.log(`\nA = ${a}\nB = ${b}`);
console.log(`pass 1 (B second): B/A ${one.rps.toFixed(3)}× req/s (B ahead in ${one.wins} of ${rounds} rounds)`);
console.log(`pass 2 (A second): A/B ${two.rps.toFixed(3)}× req/s (A ahead in ${two.wins} of ${rounds} rounds)`);
console.log(
  `B/A: ${Math.sqrt(one.rps / two.rps).toFixed(3)}× the requests/s, ${Math.sqrt(one.cpu / two.cpu).toFixed(3)}× the server CPU a request` +
    ` (start-order bias ${Math.sqrt(one.rps * two.rps).toFixed(3)})`,
);
