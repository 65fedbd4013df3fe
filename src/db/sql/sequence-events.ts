/**
 * PostgreSQL: gives committed events their feed position (`outbox_events.position`). Sequence ids commit out of
 * order, so a poller reading "id > last seen" skips a transaction that commits after a younger one. Positions
 * are handed out only to events already committed, in id order, by one sequencer at a time (the lock of the
 * single `event_sequence` row is held until its COMMIT): positions therefore become visible in increasing order,
 * and no event can later appear below a position a poller has read. An event inserted while holding an order's
 * row lock gets a higher id than the events of the transaction it waited for, so one order's events keep their
 * order. SQLite: nothing to do (one writer commits ids in order; the feed reads `id`).
 */
import { sql } from 'kysely';
import type { Db } from '../database.ts';

/** Events sequenced per statement; a poll after a larger backlog sequences the rest the next time. */
const BATCH = 10_000;

export async function sequenceEvents(db: Db): Promise<void> {
  if (db.kind !== 'postgres') return;
  // Without a lock first: when no committed event lacks a position, there is nothing to wait for.
  const pending = await sql`SELECT 1 FROM outbox_events WHERE position IS NULL LIMIT 1`.execute(db.kysely);
  if (pending.rows.length === 0) return;
  await db.kysely.transaction().execute(async (tx) => {
    const { rows } = await sql<{ last_position: number }>`SELECT last_position FROM event_sequence WHERE id = 1 FOR UPDATE`.execute(tx);
    const last = Number(rows[0].last_position);
    // A new statement, so its snapshot includes everything the previous sequencer committed.
    await sql`WITH todo AS (
        SELECT id, row_number() OVER (ORDER BY id) AS n
        FROM (SELECT id FROM outbox_events WHERE position IS NULL ORDER BY id LIMIT ${BATCH}) AS batch),
      done AS (
        UPDATE outbox_events AS e SET position = ${last}::bigint + todo.n FROM todo WHERE e.id = todo.id RETURNING e.position)
      UPDATE event_sequence SET last_position = (SELECT coalesce(max(position), ${last}::bigint) FROM done) WHERE id = 1`.execute(tx);
  });
}
