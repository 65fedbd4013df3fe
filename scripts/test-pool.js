// Runs test files, each in its own `node --import tsx` process (node:test runs the file's tests and prints them
// with the spec reporter), several at once, longest expected first. Each file's output is held back and printed
// whole when the file ends, so parallel files never interleave; its wall time and pass/fail counts come back.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * GNU time, when installed, reports the CPU seconds of a file's process and of every process it waited for (its
 * servers, workers and CLI calls; not PostgreSQL's): a measure of a file's cost that a busy machine does not skew.
 */
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
let cpuFileSeq = 0;

/** One file's run: `file` (relative to `cwd`) with `env` added, under `label` (which half of `npm test`). */
export class Job {
  constructor(label, db, file, env, expectedS) {
    Object.assign(this, { label, db, file, env, expectedS });
    this.counts = {};
    this.code = undefined;
    this.signal = null;
    this.seconds = 0;
    /** CPU seconds (user + system) of the file's process tree, when GNU time is there to tell. */
    this.cpuSeconds = undefined;
    this.note = undefined;
  }

  /** Passed: exit code 0, a node:test summary, no failed or cancelled test. */
  get ok() {
    const c = this.counts;
    return this.code === 0 && c.tests !== undefined && !c.fail && !c.cancelled;
  }
}

const COUNT_LINE = /^\S*\s*(tests|pass|fail|cancelled|skipped|todo) (\d+)\s*$/;
const ANSI = /\x1b\[[0-9;]*m/g;

/** The summary lines node:test's spec reporter ends with ("ℹ tests 12", "ℹ pass 12", ...). */
function parseCounts(output) {
  const counts = {};
  for (const line of output.split('\n')) {
    const m = COUNT_LINE.exec(line.replace(ANSI, ''));
    if (m) counts[m[1]] = Number(m[2]);
  }
  return counts;
}

const live = new Set();
/** Set on SIGINT/SIGTERM: no file is started after it. */
let stopping = false;

/**
 * Ends a job's whole process group (the test process and the servers, workers and CLI calls it started): SIGTERM
 * first so servers stop cleanly and test databases are dropped, SIGKILL after a grace period.
 */
function endGroup(child, graceMs = 5000) {
  const kill = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  kill('SIGTERM');
  setTimeout(() => kill('SIGKILL'), graceMs).unref();
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stopping = true;
    for (const child of live) endGroup(child, 2000);
    setTimeout(() => process.exit(130), 2500).unref();
  });
}

/** Runs one job to its end; never rejects. */
function runJob(job, { cwd, timeoutMs }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const command = [process.execPath, '--import', 'tsx', '--test-reporter=spec', job.file];
    const cpuFile = GNU_TIME && path.join(os.tmpdir(), `ordergraph-test-cpu-${process.pid}-${++cpuFileSeq}`);
    if (cpuFile) command.unshift(GNU_TIME, '--quiet', '-f', '%U %S', '-o', cpuFile);
    const child = spawn(command[0], command.slice(1), {
      cwd,
      env: { ...process.env, ...job.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: a timeout ends the servers it started too
    });
    live.add(child);
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    const timer = setTimeout(() => {
      job.note = `timed out after ${Math.round(timeoutMs / 1000)} s (TEST_FILE_TIMEOUT)`;
      endGroup(child);
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      job.seconds = (Date.now() - started) / 1000;
      job.output = Buffer.concat(chunks).toString('utf8');
      job.counts = parseCounts(job.output);
      job.code = code ?? 1;
      job.signal = signal;
      if (cpuFile) {
        try {
          const [user, system] = fs.readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
          if (Number.isFinite(user + system)) job.cpuSeconds = user + system;
          fs.rmSync(cpuFile, { force: true });
        } catch {
          // killed before GNU time wrote it
        }
      }
      if (!job.note && job.counts.tests === undefined) job.note = `no node:test summary (exit code ${code}${signal ? `, ${signal}` : ''})`;
      resolve(job);
    });
    child.on('error', (e) => {
      job.note = `could not start: ${e.message}`;
    });
  });
}

/**
 * Runs `jobs` with at most `concurrency` at once, longest `expectedS` first (so the long files do not end up
 * running alone at the end), calling `onDone(job)` as each ends. Says every `heartbeatMs` what is still running
 * when nothing has ended meanwhile, so a hung file shows in CI logs before its timeout.
 */
export async function runPool(jobs, { concurrency, cwd, timeoutMs, heartbeatMs = 120_000, onDone }) {
  const queue = [...jobs].sort((a, b) => b.expectedS - a.expectedS);
  const running = new Map();
  let lastEnd = Date.now();
  const heartbeat = setInterval(() => {
    if (Date.now() - lastEnd < heartbeatMs) return;
    const list = [...running].map(([j, t]) => `${j.file} on ${j.db} (${Math.round((Date.now() - t) / 1000)} s)`);
    process.stdout.write(`\n… still running: ${list.join(', ')}\n`);
    lastEnd = Date.now();
  }, heartbeatMs);
  heartbeat.unref();
  const worker = async () => {
    for (let job = queue.shift(); job && !stopping; job = queue.shift()) {
      running.set(job, Date.now());
      await runJob(job, { cwd, timeoutMs });
      running.delete(job);
      lastEnd = Date.now();
      onDone(job);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  clearInterval(heartbeat);
  return jobs;
}
