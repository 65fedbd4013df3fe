/**
 * Wakes idle workers when jobs are queued: an in-process event, and on PostgreSQL LISTEN/NOTIFY so workers in
 * other processes wake too. Notifications are coalesced: one NOTIFY per tick however many commits queued jobs.
 */
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Db } from '../db/database.ts';

const CHANNEL = 'ordergraph_jobs';

export class JobSignal {
  private readonly events = new EventEmitter();
  private listener: pg.Client | undefined;
  private notifyScheduled = false;
  private stopped = false;

  constructor(private readonly db: Db) {
    this.events.setMaxListeners(100);
  }

  async start(): Promise<void> {
    if (this.db.kind !== 'postgres' || !this.db.pool) return;
    await this.listen();
  }

  private async listen(): Promise<void> {
    const options = (this.db.pool as unknown as { options: pg.ClientConfig }).options;
    const client = new pg.Client(options);
    client.on('notification', () => this.events.emit('jobs'));
    client.on('error', () => {
      // Reconnect: until then, workers still wake on their fallback timer.
      this.listener = undefined;
      if (!this.stopped) setTimeout(() => this.listen().catch(() => {}), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  /** Wakes this process's workers only (a lane freed up, or they should stop). */
  wake(): void {
    this.events.emit('jobs');
  }

  /** Called after a commit that queued jobs. */
  notify(): void {
    this.events.emit('jobs');
    if (this.db.kind !== 'postgres' || this.notifyScheduled) return;
    this.notifyScheduled = true;
    setImmediate(() => {
      this.notifyScheduled = false;
      this.db.pool?.query(`NOTIFY ${CHANNEL}`).catch(() => {});
    });
  }

  /** Resolves on the next signal or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
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

  async stop(): Promise<void> {
    this.stopped = true;
    this.events.emit('jobs');
    await this.listener?.end().catch(() => {});
  }
}
