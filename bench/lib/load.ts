/**
 * A small closed-loop HTTP load generator on undici: `connections` keep-alive connections, each with exactly one
 * request in flight (no pipelining), for a fixed duration or a fixed request count, whichever ends first, and
 * never longer than a hard time cap. It runs in the bench process, so its own CPU use is reported next to the
 * numbers: on a 2-core machine client and server share the cores.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface LoadRequest {
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  /** `http://127.0.0.1:PORT` — loopback only. */
  origin: string;
  connections: number;
  /** Stop issuing after this long (ms). At least one of durationMs / requests must be set. */
  durationMs?: number;
  /** Stop issuing after this many requests. */
  requests?: number;
  /** Hard cap (ms) on the whole run, in-flight requests included; default duration + 30 s or 120 s. */
  maxMs?: number;
  /** Builds request number `i` (0-based, in issue order). */
  request: (i: number) => LoadRequest;
  /** Whether a response counts as a success; default: 2xx. */
  check?: (status: number, body: string) => boolean;
  /** Pid of the server process, to report its CPU use over the run (Linux /proc only). */
  serverPid?: number;
}

export interface LoadResult {
  requests: number;
  ok: number;
  failed: number;
  /** Wall time from the first request issued to the last response received (ms). */
  durationMs: number;
  /** Successful responses per second. */
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** CPU time of this (client) process and of the server over the run, as % of one core. */
  clientCpuPct: number;
  serverCpuPct: number | undefined;
  /**
   * Server CPU time per successful request (µs): less sensitive than req/s to other processes taking the cores,
   * since it counts only the time the server actually ran.
   */
  serverCpuUsPerRequest: number | undefined;
  /** A few failure samples, to tell a broken scenario from a slow one. */
  errors: string[];
  /** process.hrtime (µs, CLOCK_MONOTONIC) spans of the run (several after `combineLoads`); cut CPU profiles. */
  windowsUs: { start: number; end: number }[];
  /** Successful requests' latencies (ms), sorted; for combining runs. */
  latencies: Float64Array;
  /** CPU ms of client and server over the run, for combining runs. */
  cpuMs: { client: number; server: number | undefined };
}

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on every Linux we run on

/** utime + stime of a process, in ms, or undefined when /proc is not there. */
export async function processCpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const { readFile } = await import('node:fs/promises');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the `(comm)` may not be split naively: comm can hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  if (opts.durationMs === undefined && opts.requests === undefined) throw new Error('runLoad: set durationMs or requests');
  const url = new URL(opts.origin);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`runLoad: loopback only, got ${opts.origin}`);
  const maxMs = opts.maxMs ?? (opts.durationMs !== undefined ? opts.durationMs + 30_000 : 120_000);
  const limit = opts.requests ?? Number.POSITIVE_INFINITY;
  const check = opts.check ?? ((status: number) => status >= 200 && status < 300);

  const pool = new Pool(opts.origin, {
    connections: opts.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  // Latencies in a growable typed array: a few hundred thousand numbers at most.
  let latencies = new Float64Array(1 << 16);
  let issued = 0;
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  const noteError = (msg: string) => {
    if (errors.length < 5) errors.push(msg.slice(0, 300));
  };

  const cpu0 = process.cpuUsage();
  const serverCpu0 = await processCpuMs(opts.serverPid);
  const t0 = performance.now();
  const mono0 = monotonicUs();
  const stopIssuingAt = opts.durationMs !== undefined ? t0 + opts.durationMs : Number.POSITIVE_INFINITY;
  const hardStopAt = t0 + maxMs;
  let tLast = t0;

  const lane = async () => {
    for (;;) {
      const now = performance.now();
      if (issued >= limit || now >= stopIssuingAt || now >= hardStopAt) return;
      const i = issued++;
      const req = opts.request(i);
      const start = performance.now();
      try {
        const res = await pool.request({
          path: req.path,
          method: req.method ?? 'POST',
          headers: req.headers,
          body: req.body,
        });
        const text = await res.body.text();
        const end = performance.now();
        tLast = Math.max(tLast, end);
        if (check(res.statusCode, text)) {
          if (ok >= latencies.length) {
            const bigger = new Float64Array(latencies.length * 2);
            bigger.set(latencies);
            latencies = bigger;
          }
          latencies[ok++] = end - start;
        } else {
          failed++;
          noteError(`HTTP ${res.statusCode}: ${text}`);
        }
      } catch (e) {
        failed++;
        tLast = Math.max(tLast, performance.now());
        noteError(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
      }
    }
  };

  let hardTimer: NodeJS.Timeout | undefined;
  const hardStop = new Promise<void>((resolve) => {
    hardTimer = setTimeout(resolve, maxMs + 1_000);
  });
  await Promise.race([Promise.all(Array.from({ length: opts.connections }, lane)), hardStop]);
  clearTimeout(hardTimer);
  const mono1 = monotonicUs();
  const cpu = process.cpuUsage(cpu0);
  const serverCpu1 = await processCpuMs(opts.serverPid);
  await pool.destroy().catch(() => {});

  return summarise({
    ok,
    failed,
    durationMs: Math.max(1, tLast - t0),
    latencies: latencies.slice(0, ok).sort(),
    cpuMs: {
      client: (cpu.user + cpu.system) / 1000,
      server: serverCpu0 !== undefined && serverCpu1 !== undefined ? serverCpu1 - serverCpu0 : undefined,
    },
    errors,
    windowsUs: [{ start: mono0, end: mono1 }],
  });
}

function summarise(r: {
  ok: number;
  failed: number;
  durationMs: number;
  latencies: Float64Array;
  cpuMs: LoadResult['cpuMs'];
  errors: string[];
  windowsUs: LoadResult['windowsUs'];
}): LoadResult {
  const sorted = r.latencies;
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    requests: r.ok + r.failed,
    ok: r.ok,
    failed: r.failed,
    durationMs: round(r.durationMs, 1),
    rps: round((r.ok * 1000) / r.durationMs, 1),
    latencyMs: {
      p50: round(percentile(sorted, 50)),
      p90: round(percentile(sorted, 90)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.length ? sorted[sorted.length - 1] : 0),
      mean: round(r.ok ? sum / r.ok : 0),
    },
    clientCpuPct: round((r.cpuMs.client / r.durationMs) * 100, 0),
    serverCpuPct: r.cpuMs.server !== undefined ? round((r.cpuMs.server / r.durationMs) * 100, 0) : undefined,
    serverCpuUsPerRequest: r.cpuMs.server !== undefined && r.ok > 0 ? round((r.cpuMs.server * 1000) / r.ok, 1) : undefined,
    errors: r.errors,
    windowsUs: r.windowsUs,
    latencies: sorted,
    cpuMs: r.cpuMs,
  };
}

/** Several runs (the rounds of an interleaved measurement) as one: totals, merged latencies, all windows. */
export function combineLoads(runs: LoadResult[]): LoadResult {
  const n = runs.reduce((a, r) => a + r.latencies.length, 0);
  const all = new Float64Array(n);
  let at = 0;
  for (const r of runs) {
    all.set(r.latencies, at);
    at += r.latencies.length;
  }
  const serverKnown = runs.every((r) => r.cpuMs.server !== undefined);
  return summarise({
    ok: runs.reduce((a, r) => a + r.ok, 0),
    failed: runs.reduce((a, r) => a + r.failed, 0),
    durationMs: runs.reduce((a, r) => a + r.durationMs, 0),
    latencies: all.sort(),
    cpuMs: {
      client: runs.reduce((a, r) => a + r.cpuMs.client, 0),
      server: serverKnown ? runs.reduce((a, r) => a + r.cpuMs.server!, 0) : undefined,
    },
    errors: runs.flatMap((r) => r.errors).slice(0, 5),
    windowsUs: runs.flatMap((r) => r.windowsUs),
  });
}
