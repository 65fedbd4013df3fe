/**
 * `npm run bench [-- options]`: runs the scenarios of bench/scenarios/index.ts against real `ordergraph`
 * processes on loopback, each HTTP measurement interleaved (in rounds) with measurements of a bare node:http
 * server under the same load settings, prints a table and writes bench/results/latest.json. See
 * docs/benchmarks.md.
 *
 *   --only a,b            run only these scenarios (ids: see --list)
 *   --list                list the scenarios (and the planned ones) and exit
 *   --profile <id>        run only scenario <id> with the server (webhookDeliveries, asyncRequests: the worker) under
 *                         `node --cpu-prof`, print where its CPU time went during the measurement
 *   --connections <n>     concurrent connections of every HTTP load (default 32)
 *   --duration <s>        measured seconds per HTTP load, and as much again for its bare baseline (default 5)
 *   --warmup <s>          warm-up seconds before each measurement (default 2)
 *   --rounds <n>          the measured time is split into n scenario rounds, each between two bare slices, the
 *                         target's server quiet before each bare slice (bench/lib/rounds.ts; default 5)
 *   --async-requests <n>  PENDING requests to queue for scenario asyncRequests (default 20000)
 *   --async-orders <n>    OPENED orders they are spread over (default 500)
 *   --enqueue-max <s>     stop queuing them after this long, even if fewer were queued (default 20)
 *   --drain-timeout <s>   give up draining after this long; the rate is then over what settled (default 45)
 *   --bulk-orders <n>     OPENED orders for fulfillerBulk, in chunks of 1,000 (default 5000); createShipments
 *                         makes as many plus 1,000 for its raw SQL baseline
 *   --bulk-calls <n>      measured updateOrders (createShipments) calls of 1,000 orders (default 30)
 *   --bulk-connections <n> concurrent updateOrders (createShipments) calls (default 2)
 *   --webhook-events <n>  events queued for webhookDeliveries (default 5000)
 *   --webhook-orders <n>  DRAFT orders they are spread over (default 500)
 *   --latency-events <n>  sequential updates timed by webhookLatency (default 200)
 *   --latency-pause <ms>  pause after each of them has been delivered (default 50)
 *   --scale <n>           instead of the scenarios: the scale bench (bench/scale.ts), lists at 10k and at n orders
 *   --scale-samples <n>   timed requests per query and size in the scale bench (default 41)
 *   --out <file>          where to write the JSON (default bench/results/latest.json; on PostgreSQL
 *                         latest-postgres.json; profile runs latest-profile[-postgres].json)
 *
 * BENCH_DB=postgres with TEST_DATABASE_URL (a fresh database per server, dropped after) or DATABASE_URL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BenchDatabase, benchDbKind } from './lib/bench-database.ts';
import { formatProfile, findMainProfile, summariseProfile, type ProfileSummary } from './lib/cpu-profile.ts';
import { combineLoads, runLoad, type LoadResult } from './lib/load.ts';
import { fetchToken } from './lib/ordergraph-client.ts';
import { runRounds } from './lib/rounds.ts';
import { resultsTable } from './lib/results-table.ts';
import { REPO_ROOT, startBare, startServe, type Child } from './lib/processes.ts';
import { PLANNED, SCENARIOS } from './scenarios/index.ts';
import type { BenchServer, ResultRow, ScenarioEnv, Settings } from './scenarios/types.ts';

const argv = process.argv.slice(2);
const { values: opt } = parseArgs({
  args: argv,
  options: {
    only: { type: 'string' },
    list: { type: 'boolean' },
    profile: { type: 'string' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    'async-requests': { type: 'string', default: '20000' },
    'async-orders': { type: 'string', default: '500' },
    'enqueue-max': { type: 'string', default: '20' },
    'drain-timeout': { type: 'string', default: '45' },
    rounds: { type: 'string', default: '5' },
    'bulk-orders': { type: 'string', default: '5000' },
    'bulk-calls': { type: 'string', default: '30' },
    'bulk-connections': { type: 'string', default: '2' },
    'webhook-events': { type: 'string', default: '5000' },
    'webhook-orders': { type: 'string', default: '500' },
    'latency-events': { type: 'string', default: '200' },
    'latency-pause': { type: 'string', default: '50' },
    out: { type: 'string' },
    scale: { type: 'string' },
    'scale-samples': { type: 'string', default: '41' },
  },
  strict: true,
});

function num(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got ${v}`);
  return n;
}

const settings: Settings = {
  connections: Math.round(num('connections', opt.connections, 1)),
  durationMs: num('duration', opt.duration, 0.1) * 1000,
  rounds: Math.round(num('rounds', opt.rounds, 1)),
  warmupMs: num('warmup', opt.warmup, 0) * 1000,
  asyncRequests: Math.round(num('async-requests', opt['async-requests'], 1)),
  asyncOrders: Math.round(num('async-orders', opt['async-orders'], 1)),
  enqueueMaxMs: num('enqueue-max', opt['enqueue-max'], 1) * 1000,
  drainTimeoutMs: num('drain-timeout', opt['drain-timeout'], 1) * 1000,
  bulkOrders: Math.round(num('bulk-orders', opt['bulk-orders'], 1000)),
  bulkCalls: Math.round(num('bulk-calls', opt['bulk-calls'], 1)),
  bulkConnections: Math.round(num('bulk-connections', opt['bulk-connections'], 1)),
  webhookEvents: Math.round(num('webhook-events', opt['webhook-events'], 2)),
  webhookOrders: Math.round(num('webhook-orders', opt['webhook-orders'], 1)),
  latencyEvents: Math.round(num('latency-events', opt['latency-events'], 1)),
  latencyPauseMs: num('latency-pause', opt['latency-pause'], 0),
};

if (opt.list) {
  for (const s of SCENARIOS) console.log(`${s.id.padEnd(24)} ${s.title}  [${s.databases.join(', ')}]`);
  for (const s of PLANNED) console.log(`${s.id.padEnd(24)} (planned) ${s.title}  [${s.databases.join(', ')}]`);
  process.exit(0);
}

const dbKind = benchDbKind();
if (opt.scale) {
  const { runScaleBench } = await import('./scale.ts');
  await runScaleBench({
    target: Math.round(num('scale', opt.scale, 20_000)),
    samples: Math.round(num('scale-samples', opt['scale-samples'], 1)),
    dbKind,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  process.exit();
}
const profileId = opt.profile;
const wanted = profileId ? [profileId] : opt.only?.split(',').map((s) => s.trim()).filter(Boolean);
for (const id of wanted ?? []) {
  if (!SCENARIOS.some((s) => s.id === id)) throw new Error(`unknown scenario ${id}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
}
// The shared server's scenarios are profiled through it; webhookDeliveries and asyncRequests profile their own worker.
const PROFILABLE = ['token', 'viewer', 'orderUpdate', 'fulfillerBulk', 'createShipments', 'webhookDeliveries', 'asyncRequests'];
const OWN_PROCESS_PROFILES = new Set(['webhookDeliveries', 'asyncRequests']);
if (profileId && !PROFILABLE.includes(profileId)) throw new Error(`--profile works with ${PROFILABLE.join(', ')}`);
const scenarios = SCENARIOS.filter((s) => (!wanted || wanted.includes(s.id)) && s.databases.includes(dbKind));

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = path.join(REPO_ROOT, 'bench/results');
const profileDir = profileId ? path.join(resultsDir, 'profiles', `${profileId}-${stamp}`) : undefined;
const log = (msg: string) => process.stderr.write(`${msg}\n`);

const databases: BenchDatabase[] = [];
const children: Child[] = [];
let shared: Promise<BenchServer & { child: Child }> | undefined;

async function launch(label: string, opts: { noWorkers?: boolean; nodeFlags?: string[]; env?: Record<string, string> }) {
  const db = await BenchDatabase.create(dbKind, label);
  databases.push(db);
  await db.seedBeforeServe();
  const { child, origin } = await startServe({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, ...opts });
  children.push(child);
  const demo = db.demo();
  const merchantToken = await fetchToken(origin, demo.merchant);
  return { origin, pid: child.pid, db, demo, merchantToken, child };
}

let bare: { child: Child; origin: string } | undefined;

/** One timed run against the bare baseline with the run's settings. */
function bareLoad(durationMs: number): Promise<LoadResult> {
  const body = JSON.stringify({ query: '{ viewer { clientId } }' });
  const headers = { 'content-type': 'application/json' };
  return runLoad({
    origin: bare!.origin,
    connections: settings.connections,
    durationMs,
    request: () => ({ path: '/echo', headers, body }),
    check: (status) => status === 200,
    serverPid: bare!.child.pid,
  });
}

const env: ScenarioEnv = {
  settings,
  dbKind,
  server: () => {
    shared ??= launch('shared', { nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] });
    return shared;
  },
  profileDir: profileId && OWN_PROCESS_PROFILES.has(profileId) ? profileDir : undefined,
  ownServer: async ({ label, noWorkers, env: extraEnv }) => {
    const s = await launch(label, { noWorkers, env: extraEnv });
    return { ...s, stop: () => s.child.stop() };
  },
  bareSlice: (durationMs) => bareLoad(durationMs),
  measureBare: async () => {
    if (settings.warmupMs > 0) await bareLoad(settings.warmupMs);
    return bareLoad(settings.durationMs);
  },
  compare: async (target, build, copts = {}) => {
    const { warmupMs, durationMs, rounds } = settings;
    const connections = copts.connections ?? settings.connections;
    const slice = durationMs / rounds;
    // The target's share of a round: a time slice, or a fixed request count under a time cap.
    const targetLimit = copts.requestsPerRound
      ? { requests: copts.requestsPerRound, durationMs: copts.maxRoundMs ?? 60_000 }
      : { durationMs: slice };
    if (warmupMs > 0 || copts.warmupRequests) {
      await bareLoad(warmupMs / 2 || slice);
      const w = build('warmup');
      await runLoad({
        origin: target.origin,
        connections,
        ...(copts.warmupRequests ? { requests: copts.warmupRequests, durationMs: copts.maxRoundMs ?? 60_000 } : { durationMs: warmupMs }),
        request: w.request,
        check: w.check,
      });
    }
    const m = build('measure');
    let issued = 0;
    const measured = await runRounds(rounds, target.pid, () => bareLoad(slice), async () => {
      const offset = issued;
      const load = await runLoad({
        origin: target.origin,
        connections,
        ...targetLimit,
        request: (i) => m.request(offset + i),
        check: m.check,
        serverPid: target.pid,
      });
      issued += load.requests;
      return load;
    });
    return { load: combineLoads(measured.loads), bare: combineLoads(measured.bares), rounds: measured.rounds };
  },
  log,
};

async function cleanup(): Promise<void> {
  for (const c of children) await c.stop().catch(() => {});
  await bare?.child.stop().catch(() => {});
  for (const d of databases) await d.dispose().catch((e) => log(`could not clean up ${d.dataDir}: ${e}`));
}

process.once('SIGINT', () => {
  log('interrupted; stopping children');
  void cleanup().finally(() => process.exit(130));
});

// The command as typed, minus credentials: database URLs are only said to be set.
const envPart = [
  process.env.BENCH_DB ? `BENCH_DB=${process.env.BENCH_DB}` : '',
  dbKind === 'postgres' && process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL=…' : '',
  dbKind === 'postgres' && !process.env.TEST_DATABASE_URL && process.env.DATABASE_URL ? 'DATABASE_URL=…' : '',
].filter(Boolean);
const command = `${envPart.length ? `${envPart.join(' ')} ` : ''}npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
const startedAt = new Date();
const loadavgAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
log(
  `ordergraph bench — ${startedAt.toISOString()} — node ${process.version}, ${os.cpus().length} CPUs, load average ${loadavgAtStart.join(' ')}\n` +
    `db ${dbKind}; ${settings.connections} connections; per HTTP scenario ${settings.warmupMs / 1000} s warm-up, then ${settings.rounds} rounds of ` +
    `(${settings.durationMs / settings.rounds / 1000} s bare + ${settings.durationMs / settings.rounds / 1000} s scenario) + 1 closing bare slice` +
    (profileDir ? `; profiling ${profileId} into ${path.relative(REPO_ROOT, profileDir)}` : ''),
);

const rows: ResultRow[] = [];
let profile: ProfileSummary | undefined;
let failed = false;
try {
  bare = await startBare();
  children.push(bare.child);
  for (const s of scenarios) {
    log(`▶ ${s.id}: ${s.title}`);
    const t = Date.now();
    try {
      const got = await s.run(env);
      rows.push(...got);
      for (const r of got) {
        log(
          `  ${r.scenario}: ${Math.round(r.rps)} ${r.unit ?? 'req/s'}` +
            (r.ratio !== undefined ? `, bare ${Math.round(r.bareRps!)} req/s, ratio ${r.ratio.toFixed(3)}` : '') +
            (r.notes.length ? `\n    ${r.notes.join('\n    ')}` : ''),
        );
      }
    } catch (e) {
      failed = true;
      log(`  ${s.id} FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      const goal = s.goalFor?.(dbKind) ?? s.goal;
      rows.push({ scenario: s.id, title: s.title, db: dbKind, rps: 0, goal, met: false, details: {}, notes: [`failed: ${String(e).slice(0, 500)}`] });
    }
    log(`  (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
  const s = shared && (await shared.catch(() => undefined));
  if (s) {
    await s.child.stop(); // a --cpu-prof child writes its profile as it exits
    if (profileDir) {
      const file = findMainProfile(profileDir);
      const row = rows.find((r) => r.scenario === profileId && r.load);
      if (!file) log(`no .cpuprofile in ${profileDir}`);
      else {
        profile = summariseProfile(file, row?.load?.windowsUs);
      }
    }
  }
  if (profileDir && profileId && OWN_PROCESS_PROFILES.has(profileId)) {
    // The scenario's own process (stopped by the scenario, so its profile is written) with the scenario's windows.
    const file = findMainProfile(profileDir);
    const row = rows.find((r) => r.scenario === profileId && r.profileWindowsUs);
    if (!file) log(`no .cpuprofile in ${profileDir}`);
    else profile = summariseProfile(file, row?.profileWindowsUs);
  }
} finally {
  await cleanup();
}

console.log(`\n${resultsTable(rows)}`);
for (const r of rows) for (const n of r.notes) console.log(`  ${r.scenario}: ${n}`);
if (profileDir) {
  console.log(`\n(profiled run: the ${OWN_PROCESS_PROFILES.has(profileId!) ? 'worker' : 'server'} ran under --cpu-prof, so its numbers are lower than a normal run's)`);
  if (profile) console.log(`\n${formatProfile(profile)}`);
}

const suffix = dbKind === 'postgres' ? '-postgres' : '';
const out = opt.out ? path.resolve(opt.out) : path.join(resultsDir, profileDir ? `latest-profile${suffix}.json` : `latest${suffix}.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
const strip = ({ load: _load, profileWindowsUs: _windows, ...r }: ResultRow) => r; // raw latencies and profile windows stay out
fs.writeFileSync(
  out,
  `${JSON.stringify(
    {
      date: startedAt.toISOString(),
      command,
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      loadavgAtStart,
      db: dbKind,
      settings,
      results: rows.map(strip),
      ...(profile ? { profile } : {}),
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
process.exitCode = failed ? 1 : 0;
// A handle that a failed scenario left open (a socket, a timer) must not keep the bench running; unref'd, so this
// timer fires only in that case.
setTimeout(() => {
  log('exiting although something was still open (a failed scenario left a handle behind)');
  process.exit();
}, 2_000).unref();
