/**
 * Indexes that keep every `orders` list of the merchant dialect flat as an organization grows (SPEC §11, #17):
 * each filter the API allows on its own (state, status, priority) has an index that yields the organization's
 * matching orders newest first, so a page reads its rows and stops, and the capped `totalCount` counts index
 * entries without a sort (db/sql/list-orders.ts). createdAfter/createdBefore are ranges on the same indexes
 * (and on orders_org_created); externalReference is the unique orders_org_external_reference.
 *
 * A change pays for them only when it changes the column: the order store's UPDATE sets only changed columns,
 * so a DRAFT edit of the comment or the lines moves none of them; opening an order moves its state entry, a
 * fulfiller's status change its status entry.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  for (const column of ['state', 'status', 'priority']) {
    await db.schema
      .createIndex(`orders_org_${column}_created`)
      .on('orders')
      .columns(['organization_id', column, 'created_at', 'id'])
      .execute();
  }
}
