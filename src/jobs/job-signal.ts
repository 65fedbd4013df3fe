/**
 * Wakes idle workers when jobs are queued: an in-process event, and on PostgreSQL LISTEN/NOTIFY so workers in
 * other processes wake too (db/sql/notify-jobs.ts, db/sql/listen-jobs.ts).
 */
import { EventEmitter } from 'node:events';
import type { Db } from '../db/database.ts';
import { listenForJobs, type JobListener } from '../db/sql/listen-jobs.ts';
import { notifyJobs } from '../db/sql/notify-jobs.ts';

export class JobSignal {
  private readonly events = new EventEmitter();
  private listener: JobListener | undefined;
  /** Bumped whenever jobs were queued (here or, on PostgreSQL, anywhere): a claim may find something new. */
  queuedSeq = 0;
  /**
   * Bumped on every signal. A worker reads it before it claims and waits with it, so a signal that came while it
   * was claiming (a job finished, a job was queued) is not lost: the wait then returns at once.
   */
  seq = 0;

  constructor(private readonly db: Db) {
    this.events.setMaxListeners(100);
  }

  async start(): Promise<void> {
    this.listener = await listenForJobs(this.db, () => {
      this.queuedSeq++;
      this.emit();
    });
  }

  /** Wakes this process's workers only (a lane freed up, or they should stop). */
  wake(): void {
    this.emit();
  }

  /** Called after a commit that queued jobs. */
  notify(): void {
    this.queuedSeq++;
    this.emit();
    notifyJobs(this.db);
  }

  /** Resolves on the next signal after `seenSeq` (at once if one came since) or after `ms`, whichever is first. */
  wait(ms: number, seenSeq = this.seq): Promise<void> {
    if (this.seq !== seenSeq) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.events.off('jobs', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.events.once('jobs', done);
    });
  }

  private emit(): void {
    this.seq++;
    this.events.emit('jobs');
  }

  async stop(): Promise<void> {
    this.emit();
    await this.listener?.stop();
  }
}
