/** Lets idle workers purge finished jobs without scanning the queue (jobs/workers.ts). */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state <> 'queued'`.execute(db);
}
