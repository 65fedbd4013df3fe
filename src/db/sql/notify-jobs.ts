/**
 * Tells workers in other processes that jobs were queued: on PostgreSQL a NOTIFY on `ordergraph_jobs`, coalesced
 * to one per tick however many commits queued jobs; SQLite has one process, whose workers the in-process signal
 * wakes (jobs/job-signal.ts), so there it does nothing.
 */
import type { Db } from '../database.ts';

export const JOBS_CHANNEL = 'ordergraph_jobs';

const scheduled = new WeakSet<Db>();

export function notifyJobs(db: Db): void {
  if (db.kind !== 'postgres' || !db.pool || scheduled.has(db)) return;
  scheduled.add(db);
  setImmediate(() => {
    scheduled.delete(db);
    db.pool?.query(`NOTIFY ${JOBS_CHANNEL}`).catch(() => {});
  });
}
