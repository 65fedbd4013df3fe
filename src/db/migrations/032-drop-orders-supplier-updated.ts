/**
 * Drops `orders_supplier_updated` (supplier_id, updated_at): nothing has read it since the fulfiller lists delivery
 * orders (migration 006; `updated_since` uses `delivery_orders_supplier_updated`), yet every change of an OPENED
 * order paid for it. On PostgreSQL it was also the one index holding a column that every change writes
 * (`updated_at`), so no `orders` UPDATE could be HOT: each new row version got an entry in all ten indexes. Without
 * it, a change that leaves the indexed columns alone (a comment, a shipping field) is a HOT update (asyncRequests,
 * #17: 94 % HOT, WAL a request 5.3 → 3.8 kB).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('orders_supplier_updated').execute();
}
