/**
 * Two pairs of `orders` filters get an index of their own (#17): state + priority and status + priority. With only
 * the single-column indexes of migration 010, a list filtered by both walks every order of the first filter to
 * find the few of the second, and its capped totalCount reads up to 1,000 / (share of the second) entries: flat
 * only while that share is large. Status with state needs none: a status belongs to one state, so the status
 * index already yields the pair. Each costs a change only when it changes state or status (or priority).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  for (const column of ['state', 'status']) {
    await db.schema
      .createIndex(`orders_org_${column}_priority_created`)
      .on('orders')
      .columns(['organization_id', column, 'priority', 'created_at', 'id'])
      .execute();
  }
}
