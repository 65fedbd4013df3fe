/**
 * PostgreSQL: `og_order_written(rows, id)` fails the statement that calls it unless exactly one row was written
 * (db/sql/update-order-row.ts). An order change sends COMMIT without waiting for its UPDATE's answer (#17): the
 * version check of a locked order must then fail the transaction itself, as an error, rather than be a row count
 * read after COMMIT. SQLite checks the count before COMMIT and needs nothing.
 */
import { sql, type Kysely } from 'kysely';
import type { DbKind } from '../database.ts';

export async function up(db: Kysely<any>, kind: DbKind): Promise<void> {
  if (kind !== 'postgres') return;
  await sql`CREATE OR REPLACE FUNCTION og_order_written(written bigint, order_id text) RETURNS bigint LANGUAGE plpgsql AS $$
    BEGIN
      IF written <> 1 THEN
        RAISE EXCEPTION 'order % changed under a held lock', order_id;
      END IF;
      RETURN written;
    END $$`.execute(db);
}
