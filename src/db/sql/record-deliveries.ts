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
import { EVENT_COLUMNS, loadedPair, type EventColumns, type LoadedPair, type WebhookRow } from './load-deliveries.ts';

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
 * The next jobs are found first (`handed`, materialized) and then updated by id: as one join, on a freshly filled
 * `jobs` whose statistics were not yet gathered, the planner put the whole queue on the outside of a nested loop
 * (~10,000 index scans a statement, 15,000 buffer hits a delivery, until autovacuum analysed the table).
 * On PostgreSQL the leased jobs come back with their webhook and event (what load-deliveries reads), so a handed
 * job starts sending without a load statement of its own: one statement a batch instead of two.
 */
export const PG_RECORD = `WITH attempts AS (
  INSERT INTO webhook_deliveries
    (id, webhook_id, organization_id, event_id, job_id, attempt, status_code, duration_ms, error, response_body, success, created_at)
  SELECT a.id, a.webhook_id, a.organization_id, a.event_id, a.job_id, a.attempt, a.status_code, a.duration_ms, NULL, a.response_body, 1, $10
  FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::text[])
    AS a(id, webhook_id, organization_id, event_id, job_id, attempt, status_code, duration_ms, response_body)
), healthy AS (
  UPDATE webhooks SET consecutive_failures = 0 WHERE id = ANY($2::text[]) AND consecutive_failures <> 0
), done AS (
  UPDATE jobs SET state = 'done', finished_at = $10, locked_until = NULL WHERE id = ANY($11::int[])
), handed AS MATERIALIZED (
  SELECT n.id FROM jobs x
  CROSS JOIN LATERAL (
    SELECT h.id FROM jobs h WHERE h.queue_key = x.queue_key AND h.state = 'queued' AND h.id <> x.id ORDER BY h.queue_key, h.id LIMIT 1
  ) h
  JOIN jobs n ON n.id = h.id
  WHERE x.id = ANY($12::int[]) AND n.kind = x.kind
    AND n.group_key IS NOT DISTINCT FROM x.group_key AND n.organization_id IS NOT DISTINCT FROM x.organization_id
), next AS (
  UPDATE jobs j SET locked_until = $13, locked_by = $14, attempts = j.attempts + 1
  WHERE j.id = ANY(ARRAY(SELECT id FROM handed)) AND j.id <> ALL($11::int[]) AND j.state = 'queued' AND j.run_at <= $10
    AND (j.locked_until IS NULL OR j.locked_until < $10)
  RETURNING j.id, j.kind, j.queue_key, j.payload, j.attempts, j.created_at
)
SELECT n.*, row_to_json(w) AS webhook, ${EVENT_COLUMNS} FROM next n
  LEFT JOIN webhooks w ON w.id = n.payload::json ->> 'webhookId'
  LEFT JOIN outbox_events e ON e.id = (n.payload::json ->> 'eventId')::int`;

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
  JOIN jobs n ON n.id = (SELECT h.id FROM jobs h WHERE h.queue_key = x.queue_key AND h.state = 'queued' ORDER BY h.queue_key, h.id LIMIT 1)
  WHERE x.id IN (SELECT value FROM json_each(?)) AND n.run_at <= ? AND (n.locked_until IS NULL OR n.locked_until < ?)
    AND n.kind = x.kind AND n.group_key IS x.group_key AND n.organization_id IS x.organization_id
)
RETURNING id, kind, queue_key, payload, attempts, created_at`;

/** A job leased by the hand-off; on PostgreSQL with its webhook and event, read in the same statement. */
export interface HandedJobRow extends ClaimedJobRow {
  loaded?: LoadedPair;
}

type PgRecordRow = ClaimedJobRow & EventColumns & { webhook: WebhookRow | null };

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
): Promise<HandedJobRow[]> {
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
    const { rows } = await runSql<PgRecordRow>(db.kysely, PG_RECORD, params, statementName(PG_RECORD));
    return rows.map((r) => ({ id: r.id, kind: r.kind, queue_key: r.queue_key, payload: r.payload, attempts: r.attempts, created_at: r.created_at, loaded: loadedPair(r.webhook, r) }));
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
