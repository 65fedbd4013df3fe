/**
 * Indexes every order change paid for and little read (each one is a random page written per change):
 * - `dispatchable_requests_order`: no query reads requests by order; requests are read by id.
 * - `orders_supplier_updated` only for the orders fulfillers can see (OPENED, COMPLETED): DRAFT orders, which
 *   the merchant may change many times, no longer move in it. The fulfiller listing names the same predicate,
 *   as literals, so that SQLite uses the index.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('dispatchable_requests_order').execute();
  await db.schema.dropIndex('orders_supplier_updated').execute();
  await sql`CREATE INDEX orders_supplier_updated ON orders (supplier_id, updated_at) WHERE state IN ('OPENED', 'COMPLETED')`.execute(db);
}
