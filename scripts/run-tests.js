#!/usr/bin/env node
// `npm test`: the linter (`npm run lint`, Biome: a few seconds), the unit tests (src/**/*.test.ts) and the end-to-end tests (test/e2e/**/*.test.ts) on SQLite, then
// the end-to-end tests again on PostgreSQL when TEST_DATABASE_URL names a database the tests may use to create
// others (`.ci/run` sets one up). Each run is `node --import tsx --test <files>`: every file in its own process,
// several at once, so e2e files must not share ports, data directories or databases (test/support sees to that).
//
//   npm test                                   both halves (the second only with TEST_DATABASE_URL)
//   npm test -- test/e2e/oauth.test.ts         only the given files (both halves for e2e files)
//   TEST_ONLY=sqlite npm test                  only the SQLite half (TEST_ONLY=postgres: only PostgreSQL)
//   TEST_CONCURRENCY=4 npm test                files run at once (node's default: CPUs - 1)
//   TEST_LINT=off npm test                     without the linter
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every `*.test.ts` under `dir` (relative to the repo root), sorted, skipping node_modules. */
function findTests(dir) {
  const found = [];
  const walk = (abs) => {
    if (!fs.existsSync(abs)) return;
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const p = path.join(abs, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(path.relative(root, p));
    }
  };
  walk(path.join(root, dir));
  return found.sort();
}

const isE2e = (f) => f.split(path.sep).join('/').startsWith('test/e2e/');

const selected = process.argv.slice(2).map((f) => path.relative(root, path.resolve(f)));
const unitFiles = selected.length ? selected.filter((f) => !isE2e(f)) : findTests('src');
const e2eFiles = selected.length ? selected.filter(isE2e) : findTests('test/e2e');

/** Runs one `node --test` over `files`; echoes its output and returns the exit code and the pass/fail counts. */
function runNodeTest(label, files, env) {
  process.stdout.write(`\n=== ${label}: ${files.length} file(s) ===\n`);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=600000', ...concurrency, ...files],
      { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const counts = {};
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        // The spec reporter ends with "ℹ tests 12", "ℹ pass 12", "ℹ fail 0", ...
        const m = /^\S*\s*(tests|pass|fail|cancelled|skipped|todo) (\d+)\s*$/.exec(line.replace(/\x1b\[[0-9;]*m/g, ''));
        if (m) counts[m[1]] = Number(m[2]);
      }
    });
    child.on('exit', (code, signal) => resolve({ label, code: code ?? 1, signal, counts }));
  });
}

const concurrency = process.env.TEST_CONCURRENCY ? [`--test-concurrency=${process.env.TEST_CONCURRENCY}`] : [];
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

const runs = [];
const only = process.env.TEST_ONLY;
if (process.env.TEST_LINT !== 'off') runs.push(await runLint());
const pgUrl = process.env.TEST_DATABASE_URL;
let skippedNote;

if (only !== 'postgres') {
  const files = [...unitFiles, ...e2eFiles];
  if (files.length) runs.push(await runNodeTest('unit + e2e on SQLite', files, { TEST_DB: 'sqlite' }));
}
if (only !== 'sqlite' && e2eFiles.length) {
  if (pgUrl) {
    const unreachable = await checkPostgres(pgUrl);
    if (unreachable) {
      process.stdout.write(`\n=== e2e on PostgreSQL: not run ===\n${unreachable}\n`);
      runs.push({ label: 'e2e on PostgreSQL', code: 1, signal: null, counts: {}, note: 'cannot connect to TEST_DATABASE_URL' });
    } else {
      runs.push(await runNodeTest('e2e on PostgreSQL', e2eFiles, { TEST_DB: 'postgres' }));
    }
  } else {
    skippedNote =
      'PostgreSQL half SKIPPED: TEST_DATABASE_URL is not set. Run it with ' +
      'TEST_DATABASE_URL=postgres://user:password@127.0.0.1:5432/db npm test (a role with CREATEDB), or use `bash .ci/run`.';
  }
}

process.stdout.write('\n=== summary ===\n');
const testRuns = runs.filter((r) => !r.lint);
let failed = testRuns.length === 0;
if (testRuns.length === 0) process.stdout.write('no test files found\n');
for (const r of runs) {
  const c = r.counts;
  const ok = r.code === 0 && (r.lint || (!c.fail && !c.cancelled && c.tests !== undefined));
  if (!ok) failed = true;
  const detail = r.note ? `(${r.note})` : c.tests === undefined ? '(no summary from node --test)' : `${c.pass ?? 0} passed, ${c.fail ?? 0} failed, ${(c.skipped ?? 0) + (c.todo ?? 0)} skipped/todo, ${c.cancelled ?? 0} cancelled`;
  process.stdout.write(`${ok ? 'PASS' : 'FAIL'}  ${r.label}: ${detail}${r.signal ? ` (killed by ${r.signal})` : ''}\n`);
}
if (skippedNote) process.stdout.write(`${skippedNote}\n`);
const ran = [...runs.map((r) => r.label), ...(skippedNote ? ['PostgreSQL half skipped'] : [])].join('; ');
process.stdout.write(failed ? `TESTS FAILED (${ran})\n` : `ALL TESTS PASSED (${ran})\n`);
// The plain closing line CI readers look for: totals over both halves (a failed lint counts as one failure).
const sum = (k) => runs.reduce((n, r) => n + (r.counts[k] ?? 0), 0);
const lintFailures = runs.filter((r) => r.lint && r.code !== 0).length;
process.stdout.write(`total: ${sum('pass')} passed, ${sum('fail') + sum('cancelled') + lintFailures} failed, ${sum('skipped') + sum('todo')} skipped\n`);
process.exit(failed ? 1 : 0);
