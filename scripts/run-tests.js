#!/usr/bin/env node
// `npm test`: the linter (`npm run lint`, Biome: a few seconds), the unit tests (src/**/*.test.ts, soak/*.test.ts) and the
// end-to-end tests (test/e2e/**/*.test.ts) on SQLite, and the end-to-end tests again on PostgreSQL when
// TEST_DATABASE_URL names a database the tests may use to create others (`.ci/run` sets one up). Every file runs
// in its own process (`node --import tsx <file>`, node:test's spec reporter), several at once, both halves in one
// queue, longest first (expected seconds from test/timings.json; a file not listed there counts as the median); e2e
// files must not share ports, data directories or databases (test/support sees to that). A file's output is
// printed whole when it ends; the run ends with the slowest files and the totals.
//
//   npm test                                   both halves (the second only with TEST_DATABASE_URL)
//   npm test -- test/e2e/oauth.test.ts         only the given files (both halves for e2e files)
//   TEST_ONLY=sqlite npm test                  only the SQLite half (TEST_ONLY=postgres: only PostgreSQL)
//   TEST_CONCURRENCY=4 npm test                files run at once (default: CPUs + 1, at least 3)
//   TEST_LINT=off npm test                     without the linter
//   TEST_FILE_TIMEOUT=1200 npm test            seconds before a file is stopped and counted failed
//   TEST_TIMINGS_TOP=15 npm test               how many of the slowest files the summary lists
//   TEST_TIMINGS_WRITE=1 npm test              record this run's file times in test/timings.json
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Job, runPool } from './test-pool.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const timingsPath = path.join(root, 'test', 'timings.json');
const DEFAULT_EXPECTED_S = 30;

/** Every `*.test.ts` under `dir` (relative to the repo root), sorted, skipping node_modules. */
function findTests(dir) {
  const found = [];
  const walk = (abs) => {
    if (!fs.existsSync(abs)) return;
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const p = path.join(abs, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(path.relative(root, p).split(path.sep).join('/'));
    }
  };
  walk(path.join(root, dir));
  return found.sort();
}

const isE2e = (f) => f.startsWith('test/e2e/');

const selected = process.argv.slice(2).map((f) => path.relative(root, path.resolve(f)).split(path.sep).join('/'));
const unitFiles = selected.length ? selected.filter((f) => !isE2e(f)) : [...findTests('src'), ...findTests('soak')];
const e2eFiles = selected.length ? selected.filter(isE2e) : findTests('test/e2e');

/** Undefined when TEST_DATABASE_URL accepts a connection, else a message saying why not. */
async function checkPostgres(url) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (e) {
    const where = (() => {
      try {
        const u = new URL(url);
        return `${u.hostname}:${u.port || 5432}${u.pathname}`;
      } catch {
        return 'an unparsable URL';
      }
    })();
    return `cannot connect to TEST_DATABASE_URL (${where}): ${e instanceof Error ? e.message : e}`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** `biome lint` over the repository (rules in biome.json); its findings are printed, a failure fails the run. */
function runLint() {
  process.stdout.write('\n=== lint (biome.json) ===\n');
  const biome = path.join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [biome, 'lint', '--max-diagnostics=50'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code, signal) => resolve({ label: 'lint', lint: true, code: code ?? 1, signal, counts: {}, note: code === 0 ? 'clean' : 'findings above' }));
  });
}

const readTimings = () => {
  try {
    return JSON.parse(fs.readFileSync(timingsPath, 'utf8'));
  } catch {
    return {};
  }
};
const timings = readTimings();
/** What a file not in test/timings.json is expected to take: the median of those that are (new files start mid-queue). */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : DEFAULT_EXPECTED_S;
}

const SQLITE = 'unit + e2e on SQLite';
const POSTGRES = 'e2e on PostgreSQL';
const runs = [];
const only = process.env.TEST_ONLY;
if (process.env.TEST_LINT !== 'off') runs.push(await runLint());
const pgUrl = process.env.TEST_DATABASE_URL;
let skippedNote;

const jobs = [];
const addJobs = (label, db, files) => {
  const fallback = median(Object.values(timings[db] ?? {}));
  for (const f of files) jobs.push(new Job(label, db, f, { TEST_DB: db }, timings[db]?.[f] ?? fallback));
  runs.push({ label, jobs: jobs.filter((j) => j.label === label) });
};
if (only !== 'postgres' && unitFiles.length + e2eFiles.length) addJobs(SQLITE, 'sqlite', [...unitFiles, ...e2eFiles]);
if (only !== 'sqlite' && e2eFiles.length) {
  if (pgUrl) {
    const unreachable = await checkPostgres(pgUrl);
    if (unreachable) {
      process.stdout.write(`\n=== ${POSTGRES}: not run ===\n${unreachable}\n`);
      runs.push({ label: POSTGRES, code: 1, counts: {}, note: 'cannot connect to TEST_DATABASE_URL' });
    } else addJobs(POSTGRES, 'postgres', e2eFiles);
  } else {
    skippedNote =
      'PostgreSQL half SKIPPED: TEST_DATABASE_URL is not set. Run it with ' +
      'TEST_DATABASE_URL=postgres://user:password@127.0.0.1:5432/db (a role with CREATEDB), or use `bash .ci/run`.';
  }
}

const concurrency = Number(process.env.TEST_CONCURRENCY) || Math.max(3, os.availableParallelism() + 1);
const timeoutS = Number(process.env.TEST_FILE_TIMEOUT) || 1200;
const started = Date.now();
const halves = runs.filter((r) => r.jobs).map((r) => `${r.label}: ${r.jobs.length} file(s)`);
process.stdout.write(`\n=== ${halves.join('; ')}; ${concurrency} at once ===\n`);
let done = 0;
const cpu = (job) => (job.cpuSeconds === undefined ? '' : `, CPU ${job.cpuSeconds.toFixed(1)} s`);
await runPool(jobs, {
  concurrency,
  cwd: root,
  timeoutMs: timeoutS * 1000,
  onDone: (job) => {
    done++;
    const mark = job.ok ? '✔' : '✖';
    process.stdout.write(`\n──── ${mark} ${job.file} on ${job.db}: ${job.seconds.toFixed(1)} s${cpu(job)} (${done}/${jobs.length})${job.note ? ` — ${job.note}` : ''} ────\n`);
    process.stdout.write(job.output.endsWith('\n') ? job.output : `${job.output}\n`);
  },
});
const wallS = (Date.now() - started) / 1000;

for (const r of runs) {
  if (!r.jobs) continue;
  r.counts = {};
  for (const j of r.jobs) for (const [k, v] of Object.entries(j.counts)) r.counts[k] = (r.counts[k] ?? 0) + v;
  // A file that ended without its summary (crash, timeout) counts as one failure; one never started (the run was
  // stopped) counts as not run.
  r.crashed = r.jobs.filter((j) => j.code !== undefined && j.counts.tests === undefined).length;
  r.notRun = r.jobs.filter((j) => j.code === undefined).length;
  r.code = r.jobs.every((j) => j.ok) ? 0 : 1;
  r.seconds = r.jobs.reduce((s, j) => s + j.seconds, 0);
}

const top = Number(process.env.TEST_TIMINGS_TOP) || 15;
process.stdout.write(`\n=== slowest files (wall time each, and CPU of its processes; ${jobs.length} files, ${concurrency} at once) ===\n`);
for (const j of jobs.filter((x) => x.code !== undefined).sort((a, b) => b.seconds - a.seconds).slice(0, top)) {
  const cpuS = j.cpuSeconds === undefined ? '' : `${j.cpuSeconds.toFixed(1).padStart(7)} s CPU`;
  process.stdout.write(`${j.seconds.toFixed(1).padStart(7)} s ${cpuS}  ${j.db.padEnd(8)}  ${j.file}${j.ok ? '' : '  (failed)'}\n`);
}
for (const r of runs.filter((x) => x.jobs)) {
  const cpuS = r.jobs.reduce((s, j) => s + (j.cpuSeconds ?? 0), 0);
  process.stdout.write(`${r.label}: sum of file times ${r.seconds.toFixed(0)} s, CPU ${cpuS.toFixed(0)} s\n`);
}
process.stdout.write(`wall time of the tests: ${wallS.toFixed(0)} s\n`);

if (process.env.TEST_TIMINGS_WRITE) {
  const next = readTimings();
  for (const j of jobs) {
    if (!j.ok) continue;
    next[j.db] ??= {};
    next[j.db][j.file] = Math.round(j.seconds);
  }
  for (const db of Object.keys(next)) next[db] = Object.fromEntries(Object.entries(next[db]).sort(([a], [b]) => a.localeCompare(b)));
  fs.writeFileSync(timingsPath, `${JSON.stringify(next, null, 2)}\n`);
  process.stdout.write(`file times written to ${path.relative(root, timingsPath)}\n`);
}

process.stdout.write('\n=== summary ===\n');
const testRuns = runs.filter((r) => !r.lint);
let failed = testRuns.length === 0;
if (testRuns.length === 0) process.stdout.write('no test files found\n');
for (const r of runs) {
  const c = r.counts;
  const ok = r.code === 0 && (r.lint || (!c.fail && !c.cancelled && c.tests !== undefined));
  if (!ok) failed = true;
  const detail = r.note
    ? `(${r.note})`
    : c.tests === undefined
      ? '(no summary from node:test)'
      : `${c.pass ?? 0} passed, ${c.fail ?? 0} failed, ${(c.skipped ?? 0) + (c.todo ?? 0)} skipped/todo, ${c.cancelled ?? 0} cancelled${r.crashed ? `, ${r.crashed} file(s) ended without a summary` : ''}${r.notRun ? `, ${r.notRun} file(s) not run` : ''}`;
  process.stdout.write(`${ok ? 'PASS' : 'FAIL'}  ${r.label}: ${detail}\n`);
}
for (const j of jobs.filter((x) => !x.ok && x.code !== undefined)) process.stdout.write(`  failed: ${j.file} on ${j.db}${j.note ? ` (${j.note})` : ''}\n`);
if (skippedNote) process.stdout.write(`${skippedNote}\n`);
const ran = [...runs.map((r) => r.label), ...(skippedNote ? ['PostgreSQL half skipped'] : [])].join('; ');
process.stdout.write(failed ? `TESTS FAILED (${ran})\n` : `ALL TESTS PASSED (${ran})\n`);
// The plain closing line CI readers look for: totals over both halves (a failed lint, or a file that ended
// without its summary, counts as one failure).
const sum = (k) => runs.reduce((n, r) => n + (r.counts[k] ?? 0), 0);
const extraFailures = runs.filter((r) => r.lint && r.code !== 0).length + runs.reduce((n, r) => n + (r.crashed ?? 0), 0);
process.stdout.write(`total: ${sum('pass')} passed, ${sum('fail') + sum('cancelled') + extraFailures} failed, ${sum('skipped') + sum('todo')} skipped\n`);
process.exit(failed ? 1 : 0);
