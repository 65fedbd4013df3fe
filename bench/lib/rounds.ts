/**
 * The round structure of `compare` (bench/run.ts): `rounds` target slices, each between two bare slices (n + 1
 * bare slices in all), and before each bare slice a wait until the target's server is quiet again.
 *
 * Why (session 10): with one bare slice before each target slice, a round's ratio moved ±30 % around its median
 * while the target's own req/s and CPU a request hardly moved: the bare slices did. The bare slice right after a
 * DRAFT `orderUpdate` slice ran beside that server's deferred work (its SQLite checkpoint thread copying the
 * round's WAL back, job workers), on the same two cores, at 13,000–27,000 req/s; the viewer's and the floor's bare
 * slices, after servers with no such tail, stayed within ±5 %. So:
 * - `settle`: before a bare slice, wait until the target process uses less than 5 % of a core over 50 ms (at most
 *   2 s); what it used meanwhile is reported per round (`tailMs`, `tailCpuMs`), not hidden;
 * - each round's ratio is the target's req/s over the geometric mean of the bare slices before and after it
 *   (`ratio`), so a drift of the host within the round cancels; the ratio against the bare slice before it alone,
 *   the measure of sessions 1–9, stays in every round as `ratioBefore`.
 */
import { processCpuMs, type LoadResult } from './load.ts';

const QUIET_WINDOW_MS = 50;
const QUIET_SHARE = 0.05;
const MAX_SETTLE_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until `pid` is quiet; how long that took and the CPU ms the process used meanwhile. */
export async function settle(pid: number | undefined): Promise<{ tailMs: number; tailCpuMs?: number }> {
  const start = performance.now();
  const cpu0 = await processCpuMs(pid);
  if (cpu0 === undefined) return { tailMs: 0 };
  let last = cpu0;
  while (performance.now() - start < MAX_SETTLE_MS) {
    await sleep(QUIET_WINDOW_MS);
    const now = (await processCpuMs(pid)) ?? last;
    const used = now - last;
    last = now;
    if (used <= QUIET_WINDOW_MS * QUIET_SHARE) break;
  }
  return { tailMs: Math.round(performance.now() - start), tailCpuMs: Math.round(last - cpu0) };
}

export interface Round {
  rps: number;
  bareRps: number;
  /** The target's req/s over the geometric mean of the bare slices before and after it. */
  ratio: number;
  /** The target's req/s over the bare slice before it alone (sessions 1–9's per-round ratio). */
  ratioBefore: number;
  cpuUs?: number;
  bareCpuUs?: number;
  tailMs: number;
  tailCpuMs?: number;
}

/** Runs the rounds; `bare` and `target` each run one slice. Returns the slices and the rounds. */
export async function runRounds(
  rounds: number,
  targetPid: number | undefined,
  bare: () => Promise<LoadResult>,
  target: () => Promise<LoadResult>,
): Promise<{ loads: LoadResult[]; bares: LoadResult[]; rounds: Round[] }> {
  const loads: LoadResult[] = [];
  const bares: LoadResult[] = [];
  const tails: Awaited<ReturnType<typeof settle>>[] = [];
  for (let r = 0; r <= rounds; r++) {
    tails.push(await settle(targetPid));
    bares.push(await bare());
    if (r < rounds) loads.push(await target());
  }
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    loads,
    bares,
    // Each round's server CPU a request too: a round whose ratio dips at an unchanged cost was the host's doing.
    rounds: loads.map((l, i) => ({
      rps: l.rps,
      bareRps: bares[i].rps,
      ratio: round3(l.rps / Math.sqrt(bares[i].rps * bares[i + 1].rps)),
      ratioBefore: round3(l.rps / bares[i].rps),
      cpuUs: l.serverCpuUsPerRequest,
      bareCpuUs: bares[i].serverCpuUsPerRequest,
      ...tails[i + 1], // the wait after this round: its own tail
    })),
  };
}
