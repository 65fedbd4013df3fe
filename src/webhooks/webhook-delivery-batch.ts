/**
 * The database work of the delivery jobs that run at the same moment, done together: a worker starts the jobs of
 * one claim in one go, and their answers arrive close together, so per delivery the reads and the bookkeeping
 * would be several round trips each (on PostgreSQL ~200 µs of CPU apiece). Instead:
 * - the webhook and event of every job started in one turn of the event loop are read with one statement;
 * - successes (and jobs finished without sending) are recorded by one `recordDeliveries` per batch: whatever
 *   finished while the previous batch was being written goes in the next (one batch written at a time).
 * Each job's `run` still returns only once its own job is done (committed), so the job contract, the order of one
 * webhook's deliveries for one order (the next job of a queue key is claimable only once this one is done) and
 * at-least-once are as before. A failed batch fails each of its jobs, which then retry as any thrown error does.
 */
import type { Db } from '../db/database.ts';
import { loadDeliveries, type LoadedPair } from '../db/sql/load-deliveries.ts';
import { recordDeliveries, type DeliveredAttempt } from '../db/sql/record-deliveries.ts';
import { isoNow } from '../clock.ts';

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
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
  private writing = false;

  constructor(private readonly db: Db) {}

  /** The webhook and the event of one delivery job; either may be gone. */
  load(webhookId: string, eventId: number): Promise<LoadedPair> {
    return new Promise((resolve, reject) => {
      if (this.loads.push({ webhookId, eventId, resolve, reject }) === 1) setImmediate(() => void this.readLoads());
    });
  }

  /** Logs a successful attempt, resets its webhook's failure count and completes its job; resolves once committed. */
  succeeded(attempt: DeliveredAttempt): Promise<void> {
    this.attempts.push(attempt);
    return this.waitForWrite();
  }

  /** Completes a job that sends nothing (webhook gone or disabled, event gone, nothing in its format). */
  finished(jobId: number): Promise<void> {
    this.done.push(jobId);
    return this.waitForWrite();
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

  private waitForWrite(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.writing) {
        this.writing = true;
        setImmediate(() => void this.write());
      }
    });
  }

  /** Writes batches until nothing waits: what arrives during one write goes into the next. */
  private async write(): Promise<void> {
    while (this.waiters.length > 0) {
      const { attempts, done, waiters } = this;
      this.attempts = [];
      this.done = [];
      this.waiters = [];
      try {
        await recordDeliveries(this.db, attempts, done, isoNow());
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      }
    }
    this.writing = false;
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
