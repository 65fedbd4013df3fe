/**
 * Sandbox fulfillers (SPEC §12): a supplier organization marked as simulated. The workers then work its delivery
 * orders through the fulfiller dialect's commands, as `client_id` (a client of the supplier created for it, so
 * history names the sandbox), on a schedule scaled by `speed`, with faults at the rates in `faults` (JSON), every
 * random choice derived from `seed`. One row per simulated supplier; `ordergraph sandbox --off` deletes it.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sandbox_suppliers')
    .addColumn('organization_id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('seed', 'text', (c) => c.notNull())
    .addColumn('speed', 'real', (c) => c.notNull())
    .addColumn('faults', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
