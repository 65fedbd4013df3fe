/**
 * A failing group is now judged by its webhook's health (consecutive failures), not by how many of its jobs
 * wait to retry (db/sql/claim-jobs.ts): the index that counted those retries only costs writes.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS jobs_retrying`.execute(db);
}
