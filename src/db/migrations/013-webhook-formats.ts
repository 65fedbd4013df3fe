/**
 * Webhook formats (SPEC §9): STANDARD (Standard Webhooks), HAPPYCOLIS, KORNITX. Existing webhooks keep today's
 * behaviour. The secret stays in `webhooks.secret` as it is: it must sign, so it cannot be hashed.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').addColumn('format', 'text', (c) => c.notNull().defaultTo('STANDARD')).execute();
}
