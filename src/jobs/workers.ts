/**
 * The one claim → run → retry loop for every background job. Handlers are idempotent (a claim can run twice
 * after a crash) and follow the retry contract of run-job.ts.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { Services } from '../context.ts';
import { claimJobs, nextDueAt, purgeFinishedJobs, type Job } from './job-queue.ts';
import { runJob, type JobHandler } from './run-job.ts';
import type { JobSignal } from './job-signal.ts';

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
/** Finished jobs are kept a day for inspection, then purged by an idle worker (at most once a minute). */
const KEEP_FINISHED_MS = 24 * 3600 * 1000;
const PURGE_EVERY_MS = 60_000;

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

  // Lanes are refilled as they free up, so one slow job (a webhook timing out) holds one lane, not a batch.
  const inFlight = new Set<Promise<void>>();
  let lastPurge = 0;
  const start = (job: Job) => {
    const run: Promise<void> = runJob(services, byKind.get(job.kind), job, opts.log)
      .then(() => {})
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
        if (Date.now() - lastPurge > PURGE_EVERY_MS) {
          lastPurge = Date.now();
          await purgeFinishedJobs(db.kysely, KEEP_FINISHED_MS);
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
