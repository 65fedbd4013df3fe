/**
 * The event feed (SPEC §9, `webhooks/event-feed.ts`). Every event is now stored, subscribed or not.
 *
 * - `subject_id`: the id of the event's body (an order, a dispatchable request, …), read when the feed is polled.
 * - PostgreSQL only: `position`, the event's place in the feed, assigned after COMMIT by the sequencer
 *   (`db/sql/event-feed.ts`) under the lock of the one `event_sequence` row, in the order commits became visible.
 *   Ids come from a sequence and commit out of order, so "id > last seen" would skip late commits; positions are
 *   only ever handed out to committed events, in increasing order, by one transaction at a time.
 *   SQLite needs none of this: one writer at a time commits ids in order (and AUTOINCREMENT never reuses one).
 */
import { type Kysely, sql } from 'kysely';
import type { DbKind } from '../database.ts';

export async function up(db: Kysely<any>, kind: DbKind): Promise<void> {
  await db.schema.alterTable('outbox_events').addColumn('subject_id', 'text').execute();
  if (kind !== 'postgres') return;
  await db.schema.alterTable('outbox_events').addColumn('position', 'bigint').execute();
  await sql`CREATE TABLE event_sequence (id integer PRIMARY KEY, last_position bigint NOT NULL)`.execute(db);
  // Existing events were all committed when the migration runs: their ids are a valid order.
  await sql`UPDATE outbox_events SET position = id`.execute(db);
  await sql`INSERT INTO event_sequence SELECT 1, coalesce(max(id), 0) FROM outbox_events`.execute(db);
  await sql`CREATE INDEX outbox_events_feed ON outbox_events (organization_id, position) WHERE position IS NOT NULL`.execute(db);
  await sql`CREATE INDEX outbox_events_unsequenced ON outbox_events (id) WHERE position IS NULL`.execute(db);
}
