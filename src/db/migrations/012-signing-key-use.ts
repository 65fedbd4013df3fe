/**
 * Signing keys remember how long tokens they signed stay valid (`signed_until`), so a rotation retires a key only
 * once the last of them has expired (auth/signing-keys.ts). Keys live before this migration may have signed tokens
 * of any age: they are kept a day, past the default one-hour token lifetime.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('signing_keys').addColumn('signed_until', 'text').execute();
  const aDayFromNow = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
  await sql`UPDATE signing_keys SET signed_until = ${aDayFromNow} WHERE retired_at IS NULL`.execute(db);
}
