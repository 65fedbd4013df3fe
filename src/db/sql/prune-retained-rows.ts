/**
 * Deletes rows past their retention window, one table and one batch at a time (src/retention/ decides the
 * windows and loops). Each batch is `… WHERE key IN (SELECT key … LIMIT n)`: both databases take it, and a
 * short delete keeps SQLite's one writer free for the changes around it.
 *
 * Append-only tables keyed in time order (outbox events by serial id, delivery attempts and requests by
 * UUIDv7) are cut at "the first key still inside the window": finding it reads only the rows about to go, so a
 * run that has nothing to prune costs a few index pages however large the table is (outbox events also read the
 * queued delivery jobs, to keep the events those still wait for: a cost of the backlog, not of the table).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../database.ts';

export type PrunableTable = 'jobs' | 'outbox_events' | 'webhook_deliveries' | 'dispatchable_requests' | 'idempotency_keys' | 'revoked_tokens';

/** Deletes up to `batch` rows of `table` past `cutoff` (ISO time); returns how many went. */
export async function pruneBatch(db: Db, table: PrunableTable, cutoff: string, batch: number, deliverJobKind: string): Promise<number> {
  const statement = await batchStatement(db, table, cutoff, batch, deliverJobKind);
  if (!statement) return 0;
  const result = await db.transaction((tx) => statement.execute(tx));
  return Number(result.numAffectedRows ?? 0);
}

async function batchStatement(db: Db, table: PrunableTable, cutoff: string, batch: number, deliverJobKind: string): Promise<RawBuilder<unknown> | undefined> {
  switch (table) {
    case 'jobs':
      // `state <> 'queued'` word for word: it is the predicate of the partial index jobs_finished (migration 002).
      return sql`DELETE FROM jobs WHERE id IN (
        SELECT id FROM jobs WHERE state <> 'queued' AND finished_at < ${cutoff} ORDER BY finished_at LIMIT ${batch})`;
    case 'outbox_events': {
      // An event is kept while a delivery job still waits for it, whatever its age — that event only: a dead
      // endpoint's deliveries are retried for a day, and must not hold every other event of every tenant back.
      const firstKept = await firstKeyFrom(db, sql`SELECT id FROM outbox_events WHERE created_at >= ${cutoff} ORDER BY id LIMIT 1`);
      const below = firstKept == null ? sql`1 = 1` : sql`id < ${firstKept}`;
      return sql`DELETE FROM outbox_events WHERE id IN (
        SELECT id FROM outbox_events WHERE ${below} AND id NOT IN (${awaitedEvents(db, deliverJobKind)}) ORDER BY id LIMIT ${batch})`;
    }
    case 'webhook_deliveries': {
      const firstKept = await firstKeyFrom(db, sql`SELECT id FROM webhook_deliveries WHERE created_at >= ${cutoff} ORDER BY id LIMIT 1`);
      return sql`DELETE FROM webhook_deliveries WHERE id IN (
        SELECT id FROM webhook_deliveries WHERE ${firstKept == null ? sql`1 = 1` : sql`id < ${firstKept}`} AND created_at < ${cutoff}
        ORDER BY id LIMIT ${batch})`;
    }
    case 'dispatchable_requests': {
      // Requests still PENDING are never pruned; settled ones go once their completion is past the window.
      const firstRecent = await firstKeyFrom(db, sql`SELECT id FROM dispatchable_requests WHERE created_at >= ${cutoff} ORDER BY id LIMIT 1`);
      return sql`DELETE FROM dispatchable_requests WHERE id IN (
        SELECT id FROM dispatchable_requests WHERE ${firstRecent == null ? sql`1 = 1` : sql`id < ${firstRecent}`}
          AND state <> 'PENDING' AND completed_at < ${cutoff} ORDER BY id LIMIT ${batch})`;
    }
    case 'idempotency_keys':
      return sql`DELETE FROM idempotency_keys WHERE (client_id, key) IN (
        SELECT client_id, key FROM idempotency_keys WHERE created_at < ${cutoff} ORDER BY created_at LIMIT ${batch})`;
    case 'revoked_tokens':
      return sql`DELETE FROM revoked_tokens WHERE jti IN (SELECT jti FROM revoked_tokens WHERE expires_at < ${cutoff} LIMIT ${batch})`;
  }
}

async function firstKeyFrom(db: Db, query: RawBuilder<{ id: string | number }>): Promise<string | number | undefined> {
  const { rows } = await query.execute(db.kysely);
  return (rows[0] as { id: string | number } | undefined)?.id;
}

/** The event ids queued delivery jobs refer to (their payload's `eventId`), as a sub-select. */
function awaitedEvents(db: Db, deliverJobKind: string): RawBuilder<unknown> {
  const eventId = db.kind === 'postgres' ? sql`(payload::json->>'eventId')::bigint` : sql`json_extract(payload, '$.eventId')`;
  // NOT IN over a NULL matches nothing: a payload without an eventId must not stop the prune.
  return sql`SELECT ${eventId} FROM jobs WHERE state = 'queued' AND kind = ${deliverJobKind} AND ${eventId} IS NOT NULL`;
}
