/**
 * Indexes that keep the fulfiller's `core.orders` flat as a supplier's delivery orders grow (SPEC §11, #17):
 * the list is ordered by `number`, asked per supplier (db/sql/list-delivery-orders.ts), so (supplier_id, number)
 * yields a supplier's page in order from any `after_id`, and (supplier_id, status, number) the same for one
 * status. Without them, `core.orders(status: [1])` walked the unique number index past every other delivery
 * order (24× slower at 1M orders than at 10k on SQLite) and `after_id` past every other supplier's (45×).
 * `updated_since` keeps migration 006's (supplier_id, updated_at). A change pays for the status index only
 * when it changes the status.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('delivery_orders_supplier_number').on('delivery_orders').columns(['supplier_id', 'number']).execute();
  await db.schema
    .createIndex('delivery_orders_supplier_status_number')
    .on('delivery_orders')
    .columns(['supplier_id', 'status', 'number'])
    .execute();
}
