/**
 * The delivery log keeps the start of each attempt's response body (SPEC §10: "the delivery log with the response
 * of every attempt"): a receiver's answer often says why it refused a delivery. At most 500 characters, so a
 * week of log stays small.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_deliveries').addColumn('response_body', 'text').execute();
}
