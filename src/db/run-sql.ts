/**
 * Runs SQL text with its values. On SQLite, inside a transaction, it goes straight to a prepared better-sqlite3
 * statement: the process has one connection, the transaction holds it, and Kysely's per-statement machinery
 * (connection hand-off, result transformation, a few awaits) costs more than a small statement. Elsewhere (on
 * PostgreSQL, or outside a transaction) it goes through Kysely.
 */
import type SQLite from 'better-sqlite3';
import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Database, Executor } from './tables.ts';

/**
 * The better-sqlite3 handle behind a Kysely instance, keyed by its adapter (shared with its transactions). It is
 * the handle with the statement cache (sqlite-statement-cache.ts), so `prepare` reuses what the driver prepared.
 */
const sqliteHandles = new WeakMap<object, SQLite.Database>();

export function registerSqliteHandle(kysely: Kysely<Database>, handle: SQLite.Database): void {
  sqliteHandles.set(kysely.getExecutor().adapter, handle);
}

export async function runSql<R>(db: Executor, text: string, values: readonly unknown[]): Promise<QueryResult<R>> {
  const handle = db.isTransaction ? sqliteHandles.get(db.getExecutor().adapter) : undefined;
  if (!handle) return db.executeQuery<R>(CompiledQuery.raw(text, values as unknown[]));
  const statement = handle.prepare(text);
  if (statement.reader) return { rows: statement.all(values) as R[] };
  const { changes, lastInsertRowid } = statement.run(values);
  return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
}
