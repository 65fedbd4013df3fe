/**
 * The retry contract every job handler follows, and the one place that applies it. A handler's `run` either
 * finishes its job (`completeJob` in the transaction of its effect) and returns nothing, or returns `retryAt`: it
 * recorded why, and the job runs again then (a webhook that answered 500, or asked for Retry-After). Anything it
 * throws is a failure the handler did not plan for: its `retryDelayMs` says when to try again, or gives up.
 */
import type { FastifyBaseLogger } from 'fastify';
import { systemCtx, type Ctx, type Services } from '../context.ts';
import { jobsProcessed } from '../metrics/registry.ts';
import { failJob, retryJob, type Job } from './job-queue.ts';

/** What `run` returns to have its job run again later. */
export interface RetryAt {
  retryAt: Date;
  /** Why, kept in the job's `last_error`. */
  error: string;
}

/**
 * What `run` returns when it completed its job and, in the same transaction, leased the next job of its queue key
 * (Job.handOff allowed it): the worker runs `next` in the same lane without a claim.
 */
export interface HandedOff {
  next: Job;
}

export interface JobHandler {
  kind: string;
  /**
   * Which lanes run it: request jobs and the like in `default`, webhook deliveries (which wait on other people's
   * servers) in `deliveries`, so a slow receiver never holds up a request (workers.ts). Default: `default`.
   */
  lane?: 'default' | 'deliveries';
  /**
   * Finishes the job (completeJob in its effect's transaction) and returns nothing (or the next job of its queue
   * key it leased in that transaction, when job.handOff allowed), or returns when to retry.
   */
  run(ctx: Ctx, job: Job): Promise<RetryAt | HandedOff | undefined> | Promise<void>;
  /**
   * Optional: runs several claimed jobs of this kind at once, e.g. in one transaction. They have distinct queue keys
   * (a claim takes only the oldest queued job of a key). Finishes the jobs it can and returns the others, which
   * then run one by one with `run`; if it throws, all of them do.
   */
  runBatch?(ctx: Ctx, jobs: Job[]): Promise<Job[]>;
  /** After `run` threw on attempt `attempt`: how long to wait before the next, or undefined to give up. */
  retryDelayMs(attempt: number, job: Job, ctx: Ctx): number | undefined;
  /** Called once when the job is given up. */
  giveUp?(ctx: Ctx, job: Job, error: string): Promise<void>;
}

export type JobOutcome = { outcome: 'done'; next?: Job } | { outcome: 'retry'; retryAt: Date } | { outcome: 'failed' };

/** Runs `job` with its handler and applies the contract: done, rescheduled, or given up. */
export async function runJob(services: Services, handler: JobHandler | undefined, job: Job, log?: FastifyBaseLogger): Promise<JobOutcome> {
  const db = services.db.kysely;
  const ctx = systemCtx(services, `job:${job.id}`);
  let outcome: JobOutcome;
  try {
    if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
    const result = await handler.run(ctx, job);
    if (result && 'retryAt' in result) {
      await retryJob(db, job.id, result.retryAt, result.error);
      outcome = { outcome: 'retry', retryAt: result.retryAt };
    } else {
      outcome = result ? { outcome: 'done', next: result.next } : { outcome: 'done' };
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const delay = handler?.retryDelayMs(job.attempts, job, ctx);
    if (delay === undefined) {
      await failJob(db, job.id, message);
      await handler?.giveUp?.(ctx, job, message);
      log?.error({ jobId: job.id, kind: job.kind, err: e }, 'job given up');
      outcome = { outcome: 'failed' };
    } else {
      const retryAt = new Date(Date.now() + delay);
      await retryJob(db, job.id, retryAt, message);
      outcome = { outcome: 'retry', retryAt };
    }
  }
  jobsProcessed.inc({ kind: job.kind, outcome: outcome.outcome });
  return outcome;
}

/**
 * Runs jobs of one kind with the handler's `runBatch`; the jobs it leaves (or all of them, if it throws) run one by
 * one with `runJob`, so one bad job costs its batch a second pass, never its outcome.
 */
export async function runJobBatch(services: Services, handler: JobHandler, jobs: Job[], log?: FastifyBaseLogger): Promise<void> {
  let left = jobs;
  try {
    left = await handler.runBatch!(systemCtx(services, `jobs:${jobs[0].id}+${jobs.length - 1}`), jobs);
  } catch (e) {
    log?.warn({ err: e, kind: handler.kind, jobs: jobs.length }, 'job batch failed; running its jobs one by one');
  }
  if (left.length < jobs.length) jobsProcessed.inc({ kind: handler.kind, outcome: 'done' }, jobs.length - left.length);
  await Promise.all(left.map((job) => runJob(services, handler, job, log)));
}
