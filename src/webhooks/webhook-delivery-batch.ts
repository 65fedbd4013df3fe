/**
 * The database work of the delivery jobs that run at the same moment, done together: a worker starts the jobs of
 * one claim in one go, and their answers arrive close together, so per delivery the reads and the bookkeeping
 * would be several round trips each (on PostgreSQL ~200 µs of CPU apiece). Instead:
 * - the webhook and event of every job started in one turn of the event loop are read with one statement;
 * - successes (and jobs finished without sending) are recorded by one `recordDeliveries` per batch: whatever
 *   finished while a batch was being written goes in the next (one batch written at a time).
 * Each job's `run` still returns only once its own job is done (committed), so the job contract, the order of one
 * webhook's deliveries for one order (the next job of a queue key is claimable only once this one is done) and
 * at-least-once are as before. A failed batch fails each of its jobs, which then retry as any thrown error does.
 * A success whose worker allows a hand-off (Job.handOff) gets the next job of its queue key, leased in the same
 * statement, to run in its lane (on PostgreSQL with its webhook and event, so that job skips the load).
 */
import type { Db } from '../db/database.ts';
import { loadDeliveries, type LoadedPair } from '../db/sql/load-deliveries.ts';
import { recordDeliveries, type DeliveredAttempt } from '../db/sql/record-deliveries.ts';
import { jobOf, type HandOffLease, type Job } from '../jobs/job-queue.ts';
import { isoNow } from '../clock.ts';

interface Waiter {
  resolve(next?: Job): void;
  reject(e: unknown): void;
  /** The completed job's, when it asked for a hand-off. */
  handOff?: { jobId: number; queueKey: string; lease: HandOffLease };
}

interface Load {
  webhookId: string;
  eventId: number;
  resolve(v: LoadedPair): void;
  reject(e: unknown): void;
}

export class DeliveryBatch {
  private loads: Load[] = [];
  private attempts: DeliveredAttempt[] = [];
  private done: number[] = [];
  private waiters: Waiter[] = [];
  /**
   * One batch is written at a time, so what finishes during a write waits for the next. Two writes at once
   * (measured with bench/webhook-floor.ts, alternating, 2026-12-04 09:53–09:57) made the batches smaller (0.16–0.22
   * statements a delivery against 0.11–0.17) and PostgreSQL's CPU a delivery higher (222–326 µs against 146–218),
   * for fewer deliveries/s in 4 of 5 pairs once the machine was not saturated.
   */
  private writing = false;
  /** The webhook and event of jobs handed off on PostgreSQL, read by the statement that leased them. */
  private readonly handed = new Map<number, LoadedPair>();

  constructor(private readonly db: Db) {}

  /** The webhook and the event of one delivery job; either may be gone. */
  load(job: Job, webhookId: string, eventId: number): Promise<LoadedPair> {
    const handed = this.handed.get(job.id);
    if (handed) {
      this.handed.delete(job.id);
      return Promise.resolve(handed);
    }
    return new Promise((resolve, reject) => {
      if (this.loads.push({ webhookId, eventId, resolve, reject }) === 1) setImmediate(() => void this.readLoads());
    });
  }

  /**
   * Logs a successful attempt, resets its webhook's failure count and completes its job; resolves once committed,
   * with the next job of its queue key if the worker allowed a hand-off (`job.handOff`) and one was leased.
   */
  succeeded(attempt: DeliveredAttempt, job: Job): Promise<Job | undefined> {
    this.attempts.push(attempt);
    const lease = job.queueKey === null ? undefined : job.handOff?.();
    return this.waitForWrite(lease && { jobId: job.id, queueKey: job.queueKey!, lease });
  }

  /** Completes a job that sends nothing (webhook gone or disabled, event gone, nothing in its format). */
  async finished(jobId: number): Promise<void> {
    this.done.push(jobId);
    await this.waitForWrite();
  }

  private async readLoads(): Promise<void> {
    const loads = this.loads;
    this.loads = [];
    try {
      const pairs = await loadDeliveries(this.db, loads);
      for (let i = 0; i < loads.length; i++) loads[i].resolve(pairs[i]);
    } catch (e) {
      for (const l of loads) l.reject(e);
    }
  }

  private waitForWrite(handOff?: Waiter['handOff']): Promise<Job | undefined> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject, handOff });
      this.schedule();
    });
  }

  /** Writes what waits on the next turn of the event loop, unless a write is running or about to. */
  private schedule(): void {
    if (this.writing || this.waiters.length === 0) return;
    this.writing = true;
    setImmediate(() => void this.write());
  }

  /** Writes one batch: whatever waits now; what arrives meanwhile goes into the next. */
  private async write(): Promise<void> {
    const { attempts, done, waiters } = this;
    this.attempts = [];
    this.done = [];
    this.waiters = [];
    try {
      // One worker's lease per statement: a process runs one worker, so that is every hand-off asked for.
      const lease = waiters.find((w) => w.handOff)?.handOff?.lease;
      const handing = lease ? waiters.filter((w) => w.handOff?.lease.workerId === lease.workerId) : [];
      const leaseEndsAt = Date.now() + (lease?.leaseMs ?? 0);
      const handOff = lease && { after: handing.map((w) => w.handOff!.jobId), workerId: lease.workerId, leaseUntil: new Date(leaseEndsAt).toISOString() };
      const next = new Map((await recordDeliveries(this.db, attempts, done, isoNow(), handOff)).map((r) => [r.queue_key, r]));
      for (const w of waiters) {
        const row = w.handOff && next.get(w.handOff.queueKey);
        if (!row || !handing.includes(w)) {
          w.resolve(undefined);
          continue;
        }
        if (row.loaded) this.handed.set(row.id, row.loaded);
        w.resolve(jobOf(row, leaseEndsAt));
      }
    } catch (e) {
      for (const w of waiters) w.reject(e);
    } finally {
      this.writing = false;
      this.schedule();
    }
  }
}

const batches = new WeakMap<Db, DeliveryBatch>();

/** The batch of the process's deliveries on `db`. */
export function deliveryBatch(db: Db): DeliveryBatch {
  let batch = batches.get(db);
  if (!batch) {
    batch = new DeliveryBatch(db);
    batches.set(db, batch);
  }
  return batch;
}
