/** What a scenario is, what it gets from the runner, and what it reports. */
import type { BenchDbKind, BenchDatabase, Demo } from '../lib/bench-database.ts';
import type { Round } from '../lib/rounds.ts';
import { runLoad, type LoadRequest, type LoadResult } from '../lib/load.ts';


export interface Settings {
  /** Concurrent keep-alive connections of every HTTP load, the bare baseline's included. */
  connections: number;
  warmupMs: number;
  /** Measured time per HTTP load, split into `rounds` slices alternating with the bare baseline's. */
  durationMs: number;
  rounds: number;
  /** Scenario 4: how many PENDING requests to queue, over how many OPENED orders. */
  asyncRequests: number;
  asyncOrders: number;
  /** Scenario 4: stop queuing after this long even if fewer were queued; give up draining after this long. */
  enqueueMaxMs: number;
  drainTimeoutMs: number;
  /** fulfillerBulk: OPENED orders to create, measured `updateOrders` calls (1,000 orders each), connections. */
  bulkOrders: number;
  bulkCalls: number;
  bulkConnections: number;
  /** webhookDeliveries: events to queue (one per DRAFT orderUpdate), spread over this many orders. */
  webhookEvents: number;
  webhookOrders: number;
  /** webhookLatency: sequential updates to time, and the pause after each one's delivery (ms). */
  latencyEvents: number;
  latencyPauseMs: number;
}

export type Goal = { kind: 'rps'; min: number } | { kind: 'ratio'; min: number } | { kind: 'p99Ms'; max: number };

export interface ResultRow {
  scenario: string;
  title: string;
  db: BenchDbKind;
  /** Requests (or processed items) per second. */
  rps: number;
  /** How `rps` reads when it is not HTTP requests per second: 'orders/s', 'deliveries/s', 'samples' (a count). */
  unit?: string;
  /** The bare server's req/s measured just before, with the same load settings; undefined if not an HTTP load. */
  bareRps?: number;
  ratio?: number;
  goal?: Goal;
  met?: boolean;
  /** Everything else worth keeping in the JSON: latencies, CPU, counts. */
  details: Record<string, unknown>;
  notes: string[];
  /** The measured load, for profile windows. */
  load?: LoadResult;
  /** Profile windows (CLOCK_MONOTONIC µs) of a scenario that is not an HTTP load on the shared server. */
  profileWindowsUs?: { start: number; end: number }[];
}

/** A running `ordergraph serve` seeded with the demo. */
export interface BenchServer {
  origin: string;
  pid: number | undefined;
  db: BenchDatabase;
  demo: Demo;
  /** A merchant access token fetched once at start. */
  merchantToken: string;
}

export interface ScenarioEnv {
  settings: Settings;
  dbKind: BenchDbKind;
  /** The shared server (started on first use; under --cpu-prof when profiling). */
  server(): Promise<BenchServer>;
  /** A new server of the scenario's own (stopped by the scenario via `stopOwn`). */
  ownServer(opts: { label: string; noWorkers?: boolean; env?: Record<string, string> }): Promise<BenchServer & { stop(): Promise<void> }>;
  /**
   * Set when this run profiles a scenario whose measured process is its own (webhookDeliveries: the worker):
   * start that process with `--cpu-prof --cpu-prof-dir=<profileDir>` and put the measured span in
   * `profileWindowsUs` of the row.
   */
  profileDir?: string;
  /**
   * The measurement of an HTTP scenario: warm-up of the bare baseline and of the target, then `rounds` target
   * slices each between two bare slices (bench/lib/rounds.ts), so that both see the same machine noise. Request numbers `i` keep counting
   * across the target's slices.
   */
  compare(target: LoadTarget, build: BuildLoad, opts?: CompareOptions): Promise<Comparison>;
  /** Bare baseline alone: warm-up, then `durationMs` (for loads that are a fixed count, see `warmAndMeasure`). */
  measureBare(): Promise<LoadResult>;
  /** One slice of the bare baseline (no warm-up), for scenarios that interleave a baseline of their own. */
  bareSlice(durationMs: number): Promise<LoadResult>;
  log(msg: string): void;
}

export interface Scenario {
  id: string;
  title: string;
  goal?: Goal;
  /** The goal on a given database, when it differs (fulfillerBulk); `goal` otherwise. */
  goalFor?(db: BenchDbKind): Goal;
  /** The databases the scenario makes sense on. */
  databases: BenchDbKind[];
  run(env: ScenarioEnv): Promise<ResultRow[]>;
}

/** Planned scenarios: listed by `--list`, not run. Move one to SCENARIOS when it is written. */
export interface PlannedScenario {
  id: string;
  title: string;
  goal?: string;
  databases: BenchDbKind[];
}

export interface LoadTarget {
  origin: string;
  pid: number | undefined;
}

/** The request builder and response check of a load; `phase` lets a scenario keep warm-up requests apart. */
export type BuildLoad = (phase: 'warmup' | 'measure') => {
  request: (i: number) => LoadRequest;
  check: (status: number, body: string) => boolean;
};

/** How the target side of `compare` differs from the run's settings (the bare side never does). */
export interface CompareOptions {
  /** Concurrent connections of the target's load (default: the run's `connections`). */
  connections?: number;
  /** A fixed number of target requests per round instead of a time slice; each round still stops after `maxRoundMs`. */
  requestsPerRound?: number;
  maxRoundMs?: number;
  /** A fixed number of warm-up requests instead of the warm-up time. */
  warmupRequests?: number;
}

export interface Comparison {
  load: LoadResult;
  bare: LoadResult;
  /** Each round's target and bare req/s, its ratios, CPU a request and the target's tail (bench/lib/rounds.ts). */
  rounds: Round[];
}

/**
 * Warm-up, then a run of `limit.requests` requests that stops issuing after `limit.maxIssueMs` whichever comes
 * first (or of `durationMs` when no limit), with the same request builder.
 */
export async function warmAndMeasure(
  env: ScenarioEnv,
  target: LoadTarget,
  build: BuildLoad,
  limit?: { requests: number; maxIssueMs: number },
): Promise<LoadResult> {
  const { connections, warmupMs, durationMs } = env.settings;
  if (warmupMs > 0) {
    const w = build('warmup');
    await runLoad({ origin: target.origin, connections, durationMs: warmupMs, request: w.request, check: w.check });
  }
  const m = build('measure');
  return runLoad({
    origin: target.origin,
    connections,
    ...(limit ? { requests: limit.requests, durationMs: limit.maxIssueMs } : { durationMs }),
    request: m.request,
    check: m.check,
    serverPid: target.pid,
  });
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** One result row for an HTTP load measured against the bare baseline. */
export function httpRow(
  s: Pick<Scenario, 'id' | 'title' | 'goal'>,
  db: BenchDbKind,
  measured: Comparison,
  extra: { details?: Record<string, unknown>; notes?: string[]; title?: string; id?: string; goal?: Goal | null } = {},
): ResultRow {
  const { load, bare, rounds } = measured;
  // With rounds, the ratio is the median of the rounds' ratios: a burst of noise from other processes that hits
  // one slice then moves it less than it moves the totals. Without, the ratio of the totals.
  const ratios = rounds.map((r) => r.ratio).sort((a, b) => a - b);
  const totalRatio = bare.rps > 0 ? round(load.rps / bare.rps, 3) : 0;
  const ratio = ratios.length >= 3 ? ratios[Math.floor(ratios.length / 2)] : totalRatio;
  // CPU-cost ratio: bare CPU per request ÷ the scenario's. What the req/s ratio would be if both servers were
  // bound by their own CPU; much steadier than req/s when other processes compete for the cores.
  const costRatio =
    load.serverCpuUsPerRequest && bare.serverCpuUsPerRequest ? round(bare.serverCpuUsPerRequest / load.serverCpuUsPerRequest, 3) : undefined;
  const goal = extra.goal === null ? undefined : (extra.goal ?? s.goal);
  const notes = [...(extra.notes ?? [])];
  if (load.failed > 0) notes.push(`${load.failed} of ${load.requests} responses failed the check, e.g. ${load.errors[0]}`);
  if (bare.failed > 0) notes.push(`bare baseline: ${bare.failed} failures, e.g. ${bare.errors[0]}`);
  const met =
    goal === undefined
      ? undefined
      : load.failed > 0
        ? false
        : goal.kind === 'rps'
          ? load.rps >= goal.min
          : goal.kind === 'ratio'
            ? ratio >= goal.min
            : load.latencyMs.p99 < goal.max;
  return {
    scenario: extra.id ?? s.id,
    title: extra.title ?? s.title,
    db,
    rps: load.rps,
    bareRps: bare.rps,
    ratio,
    goal,
    met,
    details: {
      requests: load.requests,
      failed: load.failed,
      durationMs: load.durationMs,
      latencyMs: load.latencyMs,
      serverCpuPct: load.serverCpuPct,
      serverCpuUsPerRequest: load.serverCpuUsPerRequest,
      costRatio,
      clientCpuPct: load.clientCpuPct,
      bare: {
        rps: bare.rps,
        latencyMs: bare.latencyMs,
        serverCpuPct: bare.serverCpuPct,
        serverCpuUsPerRequest: bare.serverCpuUsPerRequest,
        clientCpuPct: bare.clientCpuPct,
      },
      ...(rounds.length > 1
        ? { totalRatio, roundRatios: { min: ratios[0], median: ratios[Math.floor(ratios.length / 2)], max: ratios.at(-1) }, rounds }
        : {}),
      ...extra.details,
    },
    notes,
    load,
  };
}
