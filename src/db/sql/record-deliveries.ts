/**
 * Records a batch of successful webhook deliveries at once (webhooks/webhook-delivery-batch.ts): their attempts
 * go into the log, their webhooks' failure counts are reset (only where not already 0, so a healthy webhook's row
 * is not written), and their jobs, with any others finished without sending, are marked done, all atomically,
 * with the hand-off of their lanes to the next jobs of their queue keys where the worker allows it.
 * PostgreSQL: one statement (data-modifying CTEs over `unnest` arrays), so one round trip whatever the batch.
 * SQLite: up to four statements in one transaction (it joins the group commit); each text is fixed
 * (`json_each`), so it is prepared once.
 */
import type { Db } from '../database.ts';
import { runSql } from '../run-sql.ts';
import { statementName } from '../pg-driver.ts';
import type { ClaimedJobRow } from './claim-jobs.ts';

export interface DeliveredAttempt {
  id: string;
  webhookId: string;
  organizationId: string;
  eventId: number;
  jobId: number;
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  responseBody: string | null;
}

/**
 * The hand-off (jobs/workers.ts): for each of `$12` (jobs completed here), the next job of its queue key is leased
 * in the same statement, if it is due, not leased, and of the same kind, group and organization. The statement
 * sees the completed jobs as still queued, so "the next" is the oldest queued job of the key other than them.
 */
const PG_RECORD = `WITH attempts AS (
  INSERT INTO webhook_deliveries
    (id, webhook_id, organization_id, event_id, job_id, attempt, status_code, duration_ms, error, response_body, success, created_at)
  SELECT a.id, a.webhook_id, a.organization_id, a.event_id, a.job_id, a.attempt, a.status_code, a.duration_ms, NULL, a.response_body, 1, $10
  FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::text[])
    AS a(id, webhook_id, organization_id, event_id, job_id, attempt, status_code, duration_ms, response_body)
), healthy AS (
  UPDATE webhooks SET consecutive_failures = 0 WHERE id = ANY($2::text[]) AND consecutive_failures <> 0
), done AS (
  UPDATE jobs SET state = 'done', finished_at = $10, locked_until = NULL WHERE id = ANY($11::int[])
)
UPDATE jobs j SET locked_until = $13, locked_by = $14, attempts = j.attempts + 1
FROM jobs x CROSS JOIN LATERAL (
  SELECT n.id FROM jobs n WHERE n.queue_key = x.queue_key AND n.state = 'queued' AND n.id <> x.id ORDER BY n.id LIMIT 1
) n
WHERE x.id = ANY($12::int[]) AND j.id = n.id AND j.id <> ALL($11::int[]) AND j.state = 'queued' AND j.run_at <= $10
  AND (j.locked_until IS NULL OR j.locked_until < $10) AND j.kind = x.kind
  AND j.group_key IS NOT DISTINCT FROM x.group_key AND j.organization_id IS NOT DISTINCT FROM x.organization_id
RETURNING j.id, j.kind, j.queue_key, j.payload, j.attempts, j.created_at`;

const SQLITE_INSERT = `INSERT INTO webhook_deliveries
  (id, webhook_id, organization_id, event_id, job_id, attempt, status_code, duration_ms, error, response_body, success, created_at)
  SELECT a.value ->> 0, a.value ->> 1, a.value ->> 2, a.value ->> 3, a.value ->> 4, a.value ->> 5, a.value ->> 6, a.value ->> 7,
    NULL, a.value ->> 8, 1, ?
  FROM json_each(?) a`;
const SQLITE_HEALTHY = 'UPDATE webhooks SET consecutive_failures = 0 WHERE id IN (SELECT value FROM json_each(?)) AND consecutive_failures <> 0';
const SQLITE_DONE = "UPDATE jobs SET state = 'done', finished_at = ?, locked_until = NULL WHERE id IN (SELECT value FROM json_each(?))";
/** After SQLITE_DONE: the completed jobs are done, so the next job of each key is its oldest queued one. */
const SQLITE_HAND_OFF = `UPDATE jobs SET locked_until = ?, locked_by = ?, attempts = attempts + 1
WHERE id IN (
  SELECT n.id FROM jobs x
  JOIN jobs n ON n.id = (SELECT h.id FROM jobs h WHERE h.queue_key = x.queue_key AND h.state = 'queued' ORDER BY h.id LIMIT 1)
  WHERE x.id IN (SELECT value FROM json_each(?)) AND n.run_at <= ? AND (n.locked_until IS NULL OR n.locked_until < ?)
    AND n.kind = x.kind AND n.group_key IS x.group_key AND n.organization_id IS x.organization_id
)
RETURNING id, kind, queue_key, payload, attempts, created_at`;

/** Lease the next job of the queue key of each of `after` (completed here) for `workerId` until `leaseUntil`. */
export interface HandOff {
  after: readonly number[];
  workerId: string;
  leaseUntil: string;
}

/**
 * Logs `attempts` (all successes), resets their webhooks' failure counts, marks their jobs and `doneJobIds` done,
 * and leases the next jobs `handOff` asks for; returns those.
 */
export async function recordDeliveries(
  db: Db,
  attempts: readonly DeliveredAttempt[],
  doneJobIds: readonly number[],
  now: string,
  handOff?: HandOff,
): Promise<ClaimedJobRow[]> {
  const jobIds = [...attempts.map((a) => a.jobId), ...doneJobIds];
  const after = handOff?.after ?? [];
  if (db.kind === 'postgres') {
    const column = <K extends keyof DeliveredAttempt>(k: K) => attempts.map((a) => a[k]);
    const params = [
      column('id'),
      column('webhookId'),
      column('organizationId'),
      column('eventId'),
      column('jobId'),
      column('attempt'),
      column('statusCode'),
      column('durationMs'),
      column('responseBody'),
      now,
      jobIds,
      after,
      handOff?.leaseUntil ?? now,
      handOff?.workerId ?? '',
    ];
    return (await runSql<ClaimedJobRow>(db.kysely, PG_RECORD, params, statementName(PG_RECORD))).rows;
  }
  return db.transaction(async (tx) => {
    if (attempts.length > 0) {
      const rows = attempts.map((a) => [a.id, a.webhookId, a.organizationId, a.eventId, a.jobId, a.attempt, a.statusCode, a.durationMs, a.responseBody]);
      await runSql(tx, SQLITE_INSERT, [now, JSON.stringify(rows)]);
      await runSql(tx, SQLITE_HEALTHY, [JSON.stringify([...new Set(attempts.map((a) => a.webhookId))])]);
    }
    await runSql(tx, SQLITE_DONE, [now, JSON.stringify(jobIds)]);
    if (!handOff || after.length === 0) return [];
    return (await runSql<ClaimedJobRow>(tx, SQLITE_HAND_OFF, [handOff.leaseUntil, handOff.workerId, JSON.stringify(after), now, now])).rows;
  });
}
