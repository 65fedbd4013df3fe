/**
 * Jobs carry the group they belong to (`group_key`: a webhook's deliveries, `wh:<webhook>`) and their
 * organization, so that workers can cap how many of one group and one organization run at once (jobs/workers.ts)
 * and a group's queued jobs can be cancelled or deferred by an exact key. Queued deliveries get both from their
 * webhook; finished jobs keep none.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('group_key', 'text').execute();
  await db.schema.alterTable('jobs').addColumn('organization_id', 'text').execute();
  // Cancelling or deferring a group, and counting what a group or an organization has in flight (leased jobs).
  await sql`CREATE INDEX jobs_group ON jobs (group_key) WHERE state = 'queued'`.execute(db);
  await sql`CREATE INDEX jobs_leased ON jobs (locked_until) WHERE state = 'queued' AND locked_until IS NOT NULL`.execute(db);
  // Groups with a job waiting to retry (dropped by 017: failing is now judged by the webhook's health).
  await sql`CREATE INDEX jobs_retrying ON jobs (group_key) WHERE state = 'queued' AND last_error IS NOT NULL`.execute(db);
  const webhooks = await db.selectFrom('webhooks').select(['id', 'organization_id']).execute();
  for (const w of webhooks) {
    await db
      .updateTable('jobs')
      .set({ group_key: `wh:${w.id}`, organization_id: w.organization_id })
      .where('state', '=', 'queued')
      .where('kind', '=', 'webhook.deliver')
      .where('queue_key', 'like', `wh:${w.id}:%`)
      .execute();
  }
}
