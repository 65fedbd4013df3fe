/**
 * The one claim → run → retry loop for every background job. Handlers are idempotent (a claim can run twice
 * after a crash) and follow the retry contract of run-job.ts.
 *
 * A worker has two sets of lanes, each claimed on its own: `default` (dispatchable requests and every other job
 * that works on our own database) and `deliveries` (webhook deliveries, which wait on other people's servers).
 * A request never waits for a lane behind webhook deliveries. Within the delivery lanes, the claim caps how many
 * jobs of one group (a webhook) and of one organization are in flight at once, and a failing group runs one at a
 * time (db/sql/claim-jobs.ts), so one tenant's hanging receiver cannot take every lane.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { Services } from '../context.ts';
import { claimJobs, nextDueAt, type Job } from './job-queue.ts';
import { runJob, runJobBatch, type JobHandler } from './run-job.ts';
import type { JobSignal } from './job-signal.ts';
import { FAILING_AFTER } from '../webhooks/webhook-health.ts';
import { analyzeJobs } from '../db/sql/analyze-jobs.ts';

export interface Workers {
  id: string;
  stop(): Promise<void>;
  /** Resolves when no queued job is due (for tests and the soak). */
  idle(): Promise<void>;
}

/** The caps of the delivery lanes (config `webhookMaxInFlight`, `webhookMaxInFlightPerOrganization`). */
export interface Fairness {
  /** Deliveries of one webhook in flight at once, across every worker. */
  perWebhook: number;
  /** Deliveries of one organization in flight at once, across every worker. */
  perOrganization: number;
}

export const DEFAULT_FAIRNESS: Fairness = { perWebhook: 32, perOrganization: 64 };

/**
 * Jobs in flight per lane and worker process: a claimed job's lease starts at once, so a lane claims no more than
 * it has free. The default lane is wide because request jobs run in batches (BATCH_SIZE a transaction).
 */
const LANE_SIZES = { default: 256, deliveries: 128 } as const;
/** Jobs of a kind with `runBatch` run this many at a time, one batch per in-flight task. */
const BATCH_SIZE = 128;
/** While jobs run, claim again only once this many lanes are free: a claim scans the queue, so it is batched. */
const CLAIM_BATCH = 8;
const FALLBACK_POLL_MS = 1000;
/**
 * After a short claim, any finished job lets the lane claim again once this long has passed: a capped group
 * (a failing webhook runs one delivery at a time) then advances at its receiver's pace, not once a poll interval,
 * while a lane still claims at most once per this interval.
 */
const RECLAIM_AFTER_FINISH_MS = 50;
const BLOCKED_RECHECK_MS = 200;

interface Lane {
  kinds: string[];
  size: number;
  perGroup: number;
  perOrganization: number;
  failingAfter: number;
  candidatesPerSlot: number | undefined;
  /** The tasks running: one job each, or one batch. */
  inFlight: Set<Promise<void>>;
  /** Jobs in flight (a batch counts all of its jobs). */
  running: number;
  /**
   * After a claim that found fewer jobs than it had room for (the rest are capped, blocked or not due), a lane
   * that still runs jobs claims again once CLAIM_BATCH of them have finished, jobs were queued, a poll interval
   * passed, or any of them finished and RECLAIM_AFTER_FINISH_MS passed (the finished job may free a capped
   * group's slot), not after every job: a claim that finds nothing scans the whole due queue.
   */
  short: { at: number; queuedSeq: number; finished: number; empty: boolean } | undefined;
}

export function startWorkers(
  services: Services,
  signal: JobSignal,
  handlers: JobHandler[],
  opts: { log?: FastifyBaseLogger; leaseMs?: number; fairness?: Fairness } = {},
): Workers {
  const id = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const byKind = new Map(handlers.map((h) => [h.kind, h]));
  const fairness = opts.fairness ?? DEFAULT_FAIRNESS;
  const leaseMs = opts.leaseMs ?? 60_000;
  const lanes: Lane[] = (['default', 'deliveries'] as const).map((name) => ({
    kinds: handlers.filter((h) => (h.lane ?? 'default') === name).map((h) => h.kind),
    size: LANE_SIZES[name],
    // Default-lane jobs carry no group or organization today; the caps would not bind them anyway.
    perGroup: name === 'deliveries' ? fairness.perWebhook : LANE_SIZES[name],
    perOrganization: name === 'deliveries' ? fairness.perOrganization : LANE_SIZES[name],
    // No cap drops a default-lane candidate, so its claim looks at no more candidates than it has room for.
    candidatesPerSlot: name === 'deliveries' ? undefined : 1,
    // A webhook whose health is FAILING probes with one delivery at a time.
    failingAfter: FAILING_AFTER,
    inFlight: new Set(),
    running: 0,
    short: undefined,
  }));
  const db = services.db;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];
  const busy = () => lanes.some((l) => l.running > 0);

  // Lanes are refilled as they free up, so one slow job (a webhook timing out) holds one lane, not a batch.
  const track = (lane: Lane, jobs: number, work: Promise<void>) => {
    lane.running += jobs;
    const run: Promise<void> = work
      .catch((e) => opts.log?.error({ err: e }, 'job bookkeeping failed'))
      .finally(() => {
        lane.inFlight.delete(run);
        lane.running -= jobs;
        if (lane.short) lane.short.finished += jobs;
        signal.wake();
      });
    lane.inFlight.add(run);
  };

  /**
   * Hand-off: a job completing may lease the next job of its queue key in the same transaction and run it in its
   * lane, without a claim (which ranks the queue) in between. The caps hold (the next job has the same group and
   * organization, and takes the finished one's place) and so does the order of a key (the next job is leased only
   * as the previous one is committed done). The lane's place in the queue is another matter: a hand-off passes
   * older jobs of the same group or organization that wait behind its cap, so it is allowed only while nobody else
   * can be waiting for the lane: the lane's last claim came back short (every claimable job was taken), no job was
   * queued since, and no longer ago than the poll interval (retries falling due are not signalled).
   */
  const handOff = (lane: Lane) => {
    const { short } = lane;
    if (stopped || !short || short.queuedSeq !== signal.queuedSeq || Date.now() - short.at >= FALLBACK_POLL_MS) return undefined;
    return { workerId: id, leaseMs };
  };

  /** Runs a job, then the jobs handed to its lane after it. */
  const runChain = async (lane: Lane, handler: JobHandler | undefined, first: Job): Promise<void> => {
    let job: Job | undefined = first;
    while (job) {
      job.handOff = () => handOff(lane);
      const outcome = await runJob(services, handler, job, opts.log);
      job = outcome.outcome === 'done' ? outcome.next : undefined;
    }
  };

  /** Starts the claimed jobs: those whose handler runs batches in batches of their kind, the others one by one. */
  const start = (lane: Lane, jobs: Job[]) => {
    const batches = new Map<JobHandler, Job[]>();
    for (const job of jobs) {
      const handler = byKind.get(job.kind);
      if (handler?.runBatch) {
        const batch = batches.get(handler) ?? [];
        batches.set(handler, batch);
        batch.push(job);
      } else {
        track(lane, 1, runChain(lane, handler, job));
      }
    }
    for (const [handler, batch] of batches) {
      for (let from = 0; from < batch.length; from += BATCH_SIZE) {
        const part = batch.slice(from, from + BATCH_SIZE);
        track(lane, part.length, part.length === 1 ? runJob(services, handler, part[0], opts.log).then(() => {}) : runJobBatch(services, handler, part, opts.log));
      }
    }
  };

  /** When a lane held back after a short claim may claim again because a job finished (see Lane.short). */
  let reclaimAt: number | undefined;

  /** Claims for every lane with room; returns how many jobs were claimed. */
  const claim = async (): Promise<number> => {
    let claimed = 0;
    reclaimAt = undefined;
    for (const lane of lanes) {
      const free = lane.size - lane.running;
      if (free < CLAIM_BATCH && lane.running > 0) continue;
      const { short } = lane;
      // An idle lane whose last claim found nothing looks again, while the other lane is busy, only once jobs were
      // queued or a poll interval passed: otherwise every refill of the busy lane would scan the queue for it too.
      if (short?.empty && lane.running === 0 && busy() && short.queuedSeq === signal.queuedSeq && Date.now() - short.at < FALLBACK_POLL_MS) continue;
      if (short && lane.running > 0 && short.finished < CLAIM_BATCH && short.queuedSeq === signal.queuedSeq) {
        const elapsed = Date.now() - short.at;
        const afterFinish = short.finished > 0 && elapsed >= RECLAIM_AFTER_FINISH_MS;
        if (elapsed < FALLBACK_POLL_MS && !afterFinish) {
          if (short.finished > 0) {
            const at = short.at + RECLAIM_AFTER_FINISH_MS;
            reclaimAt = reclaimAt === undefined ? at : Math.min(reclaimAt, at);
          }
          continue;
        }
      }
      const jobs = await claimJobs(db, id, { ...lane, limit: free, leaseMs });
          lane.short = jobs.length < free ? { at: Date.now(), queuedSeq: signal.queuedSeq, finished: 0, empty: jobs.length === 0 } : undefined;
      start(lane, jobs);
      claimed += jobs.length;
    }
    return claimed;
  };

  const loop = (async () => {
    // A backlog queued while no worker ran may have no planner statistics yet (db/sql/analyze-jobs.ts).
    await analyzeJobs(db).catch((e) => opts.log?.warn({ err: e }, 'could not analyse the jobs table; claims may be slow until autovacuum does'));
    while (!stopped) {
      // Signals during the claim (jobs finishing as it runs) must wake the wait below, not go unheard.
      const seen = signal.seq;
      try {
        if ((await claim()) > 0) continue;
        if (busy()) {
          // A finishing or newly queued job wakes us to claim again; a lane held back after a job finished is
          // due again at reclaimAt.
          const wait = reclaimAt === undefined ? FALLBACK_POLL_MS : Math.max(1, Math.min(FALLBACK_POLL_MS, reclaimAt - Date.now()));
          await signal.wait(wait, seen);
          continue;
        }
        const due = await nextDueAt(db);
        if (due === undefined || due > Date.now()) {
          for (const w of idleWaiters) w();
          idleWaiters = [];
        }
        // A due job we could not claim is leased by another worker, waits behind its queue key or its group's
        // cap: look again soon.
        const untilDue = due === undefined ? FALLBACK_POLL_MS : due - Date.now();
        const wait = untilDue > 0 ? Math.min(FALLBACK_POLL_MS, untilDue) : BLOCKED_RECHECK_MS;
        await signal.wait(wait, seen);
      } catch (e) {
        if (stopped) break;
        opts.log?.error({ err: e }, 'worker loop error; retrying in 1 s');
        await signal.wait(1000);
      }
    }
    await Promise.all(lanes.flatMap((l) => [...l.inFlight]));
  })();

  return {
    id,
    stop: async () => {
      stopped = true;
      signal.wake();
      await loop;
    },
    idle: () => new Promise((resolve) => idleWaiters.push(resolve)),
  };
}
