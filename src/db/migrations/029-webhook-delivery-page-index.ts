/**
 * A webhook's deliveries page (`webhookDeliveries`, newest first by created_at then id) reads its rows in index
 * order with the cursor as a range (SPEC §11, #17): (webhook_id, created_at, id) replaces migration 001's
 * (webhook_id, created_at), which left ties on created_at to a sort.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('webhook_deliveries_webhook_created_id')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'created_at', 'id'])
    .execute();
  await db.schema.dropIndex('webhook_deliveries_webhook').execute();
}
