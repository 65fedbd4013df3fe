/**
 * Claims due jobs with a lease, in one statement: `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING`. On
 * PostgreSQL the inner select takes `FOR UPDATE SKIP LOCKED`, so workers in several processes never claim the
 * same row; SQLite has one writer, and there the claim joins the group commit of the jobs finishing around it
 * instead of paying its own COMMIT. A job whose `queue_key` has an older queued job is not claimable: that is how
 * jobs of one key run one at a time, oldest first.
 */
import { sql } from 'kysely';
import type { Db } from '../database.ts';

export interface ClaimedJobRow {
  id: number;
  kind: string;
  queue_key: string | null;
  payload: string;
  attempts: number;
  created_at: string;
}

export async function claimJobs(db: Db, workerId: string, limit: number, leaseMs: number): Promise<ClaimedJobRow[]> {
  const now = new Date();
  const nowIso = now.toISOString();
  const lease = new Date(now.getTime() + leaseMs).toISOString();
  const lock = db.kind === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  const claim = sql<ClaimedJobRow>`
    UPDATE jobs SET locked_until = ${lease}, locked_by = ${workerId}, attempts = attempts + 1
    WHERE id IN (
      SELECT j.id FROM jobs j
      WHERE j.state = 'queued' AND j.run_at <= ${nowIso}
        AND (j.locked_until IS NULL OR j.locked_until < ${nowIso})
        AND (j.queue_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM jobs e WHERE e.queue_key = j.queue_key AND e.state = 'queued' AND e.id < j.id))
      ORDER BY j.run_at, j.id
      LIMIT ${limit}
      ${lock}
    )
    RETURNING id, kind, queue_key, payload, attempts, created_at`;
  const result = db.kind === 'sqlite' ? await db.transaction((tx) => claim.execute(tx)) : await claim.execute(db.kysely);
  return result.rows;
}
