/**
 * SQLite: the index that finds an order's history is filled in batches instead of row by row
 * (`orders/order-history.ts`). With `order_events_order`, every change to a different order added an entry to a
 * different leaf, one more 4 KB page written to the WAL per change, and the largest part of a COMMIT.
 * `order_event_index` holds the same entries for the events up to `order_event_index_state.indexed_through`;
 * later events are found by scanning the table's tail.
 *
 * PostgreSQL keeps `order_events_order`: it logs an index insert as a small WAL record, not as a whole page.
 */
import { type Kysely, sql } from 'kysely';
import type { DbKind } from '../database.ts';

export async function up(db: Kysely<any>, kind: DbKind): Promise<void> {
  if (kind !== 'sqlite') return;
  await sql`CREATE TABLE order_event_index (
    order_id TEXT NOT NULL, event_id INTEGER NOT NULL, PRIMARY KEY (order_id, event_id)) WITHOUT ROWID`.execute(db);
  await sql`INSERT INTO order_event_index SELECT order_id, id FROM order_events ORDER BY order_id, id`.execute(db);
  await sql`CREATE TABLE order_event_index_state (indexed_through INTEGER NOT NULL)`.execute(db);
  await sql`INSERT INTO order_event_index_state SELECT coalesce(max(id), 0) FROM order_events`.execute(db);
  await db.schema.dropIndex('order_events_order').execute();
}
