/**
 * Lets an order's change be a HOT update on PostgreSQL (#17): a row version that changes no indexed column is
 * written beside the old one on its page, with no new entry in any of the table's indexes. `updated_at` was the
 * indexed column every change sets, through `orders_supplier_updated` (migration 003), which no query has read
 * since the fulfiller lists delivery orders (migration 006's `delivery_orders_supplier_updated`): with it, every
 * DRAFT change added an entry to each of the ten indexes of `orders`. On PostgreSQL the table also keeps a tenth
 * of each page free for the new versions (fillfactor 90; pages written from now on).
 */
import { sql, type Kysely } from 'kysely';
import type { DbKind } from '../database.ts';

export async function up(db: Kysely<any>, kind: DbKind): Promise<void> {
  await db.schema.dropIndex('orders_supplier_updated').execute();
  if (kind === 'postgres') await sql`ALTER TABLE orders SET (fillfactor = 90)`.execute(db);
}
