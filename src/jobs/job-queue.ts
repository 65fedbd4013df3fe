/**
 * The durable job queue: a job is a row, queued in the same transaction as the change that needs it. Workers
 * claim due jobs with a lease (the SQL, per dialect, is db/sql/claim-jobs.ts), in
 * `run_at, id` order so the partial index on queued jobs serves the claim however long the history is. Jobs
 * that share a `queue_key` run one at a time, oldest first: that is how per-order ordering is kept.
 */
import type { Db, Executor } from '../db/database.ts';
import type { TxCtx } from '../context.ts';
import { compiledQuery, type Params } from '../db/compiled-query.ts';
import { isoNow } from '../clock.ts';
import { claimJobs as claimJobRows, type ClaimedJobRow, type ClaimLimits } from '../db/sql/claim-jobs.ts';

export interface Job {
  id: number;
  kind: string;
  queueKey: string | null;
  payload: unknown;
  attempts: number;
  createdAt: string;
  /** When this claim's lease ends: a job still running then may be claimed again, so it must finish before. */
  leaseEndsAt: number;
  /**
   * Set by the worker: whether, as this job completes, its lane may go straight to the next job of its queue key
   * (workers.ts "hand-off"), and under which lease; undefined when the lane must go back to the claim.
   */
  handOff?: () => HandOffLease | undefined;
}

/** The lease a hand-off takes on the next job of a queue key, as a claim would. */
export interface HandOffLease {
  workerId: string;
  leaseMs: number;
}

export interface NewJob {
  kind: string;
  /** Jobs sharing a queue key run one at a time, oldest first. */
  queueKey?: string | null;
  /** Jobs sharing a group are capped together (workers.ts) and cancelled together (cancelQueuedJobs). */
  group?: string | null;
  /** The tenant the job works for: an organization's jobs are capped together too. */
  organizationId?: string | null;
  payload: unknown;
  runAt?: Date;
}

/** Queues jobs inside the caller's transaction; the workers are woken after it commits. */
export async function enqueueJobs(tctx: TxCtx, jobs: NewJob[]): Promise<void> {
  if (jobs.length === 0) return;
  const now = isoNow();
  await tctx.tx
    .insertInto('jobs')
    .values(
      jobs.map((j) => ({
        kind: j.kind,
        queue_key: j.queueKey ?? null,
        group_key: j.group ?? null,
        organization_id: j.organizationId ?? null,
        payload: JSON.stringify(j.payload),
        state: 'queued' as const,
        run_at: j.runAt ? j.runAt.toISOString() : now,
        attempts: 0,
        locked_until: null,
        locked_by: null,
        last_error: null,
        created_at: now,
        finished_at: null,
      })),
    )
    .execute();
  tctx.queuedJobs = true;
}

/**
 * Claims up to `limits.limit` due jobs of the given kinds for `workerId`, leasing them for `limits.leaseMs`, within
 * the caps per group and per organization (the rule: db/sql/claim-jobs.ts).
 */
export async function claimJobs(db: Db, workerId: string, limits: ClaimLimits): Promise<Job[]> {
  // Taken before the claim, so it is never later than the lease the claim writes.
  const leaseEndsAt = Date.now() + limits.leaseMs;
  const rows = await claimJobRows(db, workerId, limits);
  return rows.map((r) => jobOf(r, leaseEndsAt)).sort((a, b) => a.id - b.id);
}

/** A claimed (or handed-off) job row as a Job; `leaseEndsAt` taken before the statement that leased it. */
export function jobOf(r: ClaimedJobRow, leaseEndsAt: number): Job {
  return { id: r.id, kind: r.kind, queueKey: r.queue_key, payload: JSON.parse(r.payload), attempts: r.attempts, createdAt: r.created_at, leaseEndsAt };
}

/** Marks a job done; call it in the same transaction as the job's effect so a re-run finds nothing to do. */
export async function completeJob(db: Executor, jobId: number): Promise<void> {
  await markDone.execute(db, { id: jobId, finishedAt: isoNow() });
}

/** Marks a batch's jobs done, in one statement, in the transaction of their effect. */
export async function completeJobs(db: Executor, jobIds: number[]): Promise<void> {
  if (jobIds.length === 0) return;
  await db.updateTable('jobs').set({ state: 'done', finished_at: isoNow(), locked_until: null }).where('id', 'in', jobIds).execute();
}

const markDone = compiledQuery((db, p: Params<{ id: number; finishedAt: string }>) =>
  db.updateTable('jobs').set({ state: 'done', finished_at: p.finishedAt, locked_until: null }).where('id', '=', p.id),
);

/**
 * Finishes the queued jobs of `group` without running them (a deleted webhook's deliveries), recording `reason`.
 * A job that a worker is running right now finishes as its handler decides. Returns how many were cancelled.
 */
export async function cancelQueuedJobs(db: Executor, group: string, reason: string): Promise<number> {
  const result = await db
    .updateTable('jobs')
    .set({ state: 'done', finished_at: isoNow(), last_error: reason })
    .where('group_key', '=', group)
    .where('state', '=', 'queued')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Reschedules a job (its handler returned `retryAt`, or it threw and may run again). */
export async function retryJob(db: Executor, jobId: number, runAt: Date, error: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ run_at: runAt.toISOString(), locked_until: null, locked_by: null, last_error: error.slice(0, 2000) })
    .where('id', '=', jobId)
    .execute();
}

export async function failJob(db: Executor, jobId: number, error: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ state: 'failed', finished_at: isoNow(), locked_until: null, last_error: error.slice(0, 2000) })
    .where('id', '=', jobId)
    .execute();
}

/** When the next queued job falls due (or a lease runs out), so an idle worker knows when to look again. */
export async function nextDueAt(db: Db): Promise<number | undefined> {
  const row = await db.kysely
    .selectFrom('jobs')
    .select((eb) => eb.fn.min('run_at').as('run_at'))
    .where('state', '=', 'queued')
    .executeTakeFirst();
  return row?.run_at ? Date.parse(row.run_at as string) : undefined;
}
