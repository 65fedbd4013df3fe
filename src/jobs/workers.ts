/**
 * The one claim → run → retry loop for every background job. Handlers are idempotent (a claim can run twice
 * after a crash) and finish their job with `completeJob` in the transaction of their effect.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import { systemCtx, type Ctx, type Services } from '../context.ts';
import { jobsProcessed } from '../metrics/registry.ts';
import { claimJobs, failJob, nextDueAt, retryJob, type Job } from './job-queue.ts';
import type { JobSignal } from './job-signal.ts';

export interface JobHandler {
  kind: string;
  /** Runs the job; must call completeJob (in its effect's transaction) unless it throws. */
  run(ctx: Ctx, job: Job): Promise<void>;
  /** How long to wait before attempt `attempt + 1`, or undefined to give up. */
  retryDelayMs(attempt: number, job: Job): number | undefined;
  /** Called once when the job is given up. */
  giveUp?(ctx: Ctx, job: Job, error: string): Promise<void>;
}

/** Thrown by a handler that wants its job run again later without counting it as an error. */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Workers {
  id: string;
  stop(): Promise<void>;
  /** Resolves when no queued job is due (for tests and the soak). */
  idle(): Promise<void>;
}

// A claimed job's lease starts at once, so claim no more than there are free lanes.
const CONCURRENCY = 32;
/** While jobs run, claim again only once this many lanes are free: a claim scans the queue, so it is batched. */
const CLAIM_BATCH = 8;
const FALLBACK_POLL_MS = 1000;
const BLOCKED_RECHECK_MS = 200;

export function startWorkers(
  services: Services,
  signal: JobSignal,
  handlers: JobHandler[],
  opts: { log?: FastifyBaseLogger; leaseMs?: number } = {},
): Workers {
  const id = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const byKind = new Map(handlers.map((h) => [h.kind, h]));
  const db = services.db;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  const runOne = async (job: Job): Promise<void> => {
    const handler = byKind.get(job.kind);
    const ctx = systemCtx(services, `job:${job.id}`);
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler.run(ctx, job);
      jobsProcessed.inc({ kind: job.kind, outcome: 'done' });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof RetryLater) {
        await retryJob(db.kysely, job.id, new Date(Date.now() + e.delayMs), message);
        jobsProcessed.inc({ kind: job.kind, outcome: 'retry' });
        return;
      }
      const delay = handler?.retryDelayMs(job.attempts, job);
      if (delay === undefined) {
        await failJob(db.kysely, job.id, message);
        await handler?.giveUp?.(ctx, job, message);
        jobsProcessed.inc({ kind: job.kind, outcome: 'failed' });
        opts.log?.error({ jobId: job.id, kind: job.kind, err: e }, 'job given up');
      } else {
        await retryJob(db.kysely, job.id, new Date(Date.now() + delay), message);
        jobsProcessed.inc({ kind: job.kind, outcome: 'retry' });
      }
    }
  };

  // Lanes are refilled as they free up, so one slow job (a webhook timing out) holds one lane, not a batch.
  const inFlight = new Set<Promise<void>>();
  const start = (job: Job) => {
    const run: Promise<void> = runOne(job)
      .catch((e) => opts.log?.error({ err: e }, 'job bookkeeping failed'))
      .finally(() => {
        inFlight.delete(run);
        signal.wake();
      });
    inFlight.add(run);
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        const free = CONCURRENCY - inFlight.size;
        if (free >= CLAIM_BATCH || inFlight.size === 0) {
          const jobs = await claimJobs(db, id, free, opts.leaseMs ?? 60_000);
          jobs.forEach(start);
          if (jobs.length > 0) continue;
        }
        if (inFlight.size > 0) {
          await signal.wait(FALLBACK_POLL_MS); // a finishing job wakes us to claim again
          continue;
        }
        const due = await nextDueAt(db);
        if (due === undefined || due > Date.now()) {
          for (const w of idleWaiters) w();
          idleWaiters = [];
        }
        // A due job we could not claim is leased by another worker or waits behind its queue key: look again soon.
        const untilDue = due === undefined ? FALLBACK_POLL_MS : due - Date.now();
        const wait = untilDue > 0 ? Math.min(FALLBACK_POLL_MS, untilDue) : BLOCKED_RECHECK_MS;
        await signal.wait(wait);
      } catch (e) {
        if (stopped) break;
        opts.log?.error({ err: e }, 'worker loop error; retrying in 1 s');
        await signal.wait(1000);
      }
    }
    await Promise.all(inFlight);
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
