/**
 * Records a batch of successful webhook deliveries at once (webhooks/webhook-delivery-batch.ts): their attempts
 * go into the log, their webhooks' failure counts are reset (only where not already 0, so a healthy webhook's row
 * is not written), and their jobs, with any others finished without sending, are marked done, all atomically.
 * PostgreSQL: one statement (data-modifying CTEs over `unnest` arrays), so one round trip whatever the batch.
 * SQLite: three statements in one transaction (it joins the group commit); each text is fixed (`json_each`), so
 * it is prepared once.
 */
import type { Db } from '../database.ts';
import { runSql } from '../run-sql.ts';

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

const PG_RECORD = `WITH attempts AS (
  INSERT INTO webhook_deliveries
    (id, webhook_id, organization_id, event_id, job_id, attempt, status_code, duration_ms, error, response_body, success, created_at)
  SELECT a.id, a.webhook_id, a.organization_id, a.event_id, a.job_id, a.attempt, a.status_code, a.duration_ms, NULL, a.response_body, 1, $10
  FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::text[])
    AS a(id, webhook_id, organization_id, event_id, job_id, attempt, status_code, duration_ms, response_body)
), healthy AS (
  UPDATE webhooks SET consecutive_failures = 0 WHERE id = ANY($2::text[]) AND consecutive_failures <> 0
)
UPDATE jobs SET state = 'done', finished_at = $10, locked_until = NULL WHERE id = ANY($11::int[])`;

const SQLITE_INSERT = `INSERT INTO webhook_deliveries
  (id, webhook_id, organization_id, event_id, job_id, attempt, status_code, duration_ms, error, response_body, success, created_at)
  SELECT a.value ->> 0, a.value ->> 1, a.value ->> 2, a.value ->> 3, a.value ->> 4, a.value ->> 5, a.value ->> 6, a.value ->> 7,
    NULL, a.value ->> 8, 1, ?
  FROM json_each(?) a`;
const SQLITE_HEALTHY = 'UPDATE webhooks SET consecutive_failures = 0 WHERE id IN (SELECT value FROM json_each(?)) AND consecutive_failures <> 0';
const SQLITE_DONE = "UPDATE jobs SET state = 'done', finished_at = ?, locked_until = NULL WHERE id IN (SELECT value FROM json_each(?))";

/** Logs `attempts` (all successes), resets their webhooks' failure counts, marks their jobs and `doneJobIds` done. */
export async function recordDeliveries(db: Db, attempts: readonly DeliveredAttempt[], doneJobIds: readonly number[], now: string): Promise<void> {
  const jobIds = [...attempts.map((a) => a.jobId), ...doneJobIds];
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
    ];
    await runSql(db.kysely, PG_RECORD, params);
    return;
  }
  await db.transaction(async (tx) => {
    if (attempts.length > 0) {
      const rows = attempts.map((a) => [a.id, a.webhookId, a.organizationId, a.eventId, a.jobId, a.attempt, a.statusCode, a.durationMs, a.responseBody]);
      await runSql(tx, SQLITE_INSERT, [now, JSON.stringify(rows)]);
      await runSql(tx, SQLITE_HEALTHY, [JSON.stringify([...new Set(attempts.map((a) => a.webhookId))])]);
    }
    await runSql(tx, SQLITE_DONE, [now, JSON.stringify(jobIds)]);
  });
}
