/**
 * Refreshes PostgreSQL's statistics of the job queue; a worker does it once as it starts (jobs/workers.ts).
 * A backlog queued while no worker ran (a deploy, an outage, a benchmark) has usually not been analysed yet:
 * autovacuum looks only once a minute. Without statistics the planner takes the claim (claim-jobs.ts) as a bitmap
 * scan and sort of the whole queue, probing every row for an older job of its queue key: ~9,500 buffer hits and
 * ~10 ms for a claim of 8 out of 5,000 queued deliveries, against ~400 hits and under 1 ms as an ordered scan of
 * `jobs_queued` once analysed. ANALYZE reads a bounded sample, so it stays cheap on a long history.
 * SQLite's planner needs no statistics for these statements: nothing to do there.
 */
import { sql } from 'kysely';
import type { Db } from '../database.ts';

export async function analyzeJobs(db: Db): Promise<void> {
  if (db.kind !== 'postgres') return;
  await sql`ANALYZE jobs`.execute(db.kysely);
}
