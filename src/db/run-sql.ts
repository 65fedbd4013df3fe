/**
 * Runs SQL text with its values. On SQLite, inside a transaction, it goes straight to a prepared better-sqlite3
 * statement: the process has one connection, the transaction holds it, and Kysely's per-statement machinery
 * (connection hand-off, result transformation, a few awaits) costs more than a small statement. Elsewhere (on
 * PostgreSQL, or outside a transaction) it goes through Kysely.
 */
import type SQLite from 'better-sqlite3';
import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './tables.ts';
import type { Executor } from './database.ts';

/** The better-sqlite3 handle behind a Kysely instance, keyed by its adapter (shared with its transactions). */
const sqliteHandles = new WeakMap<object, SQLite.Database>();
const statements = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();
/** Bulk statements differ by row count; the oldest is dropped past this many. */
const MAX_STATEMENTS = 500;

export function registerSqliteHandle(kysely: Kysely<Database>, handle: SQLite.Database): void {
  sqliteHandles.set(kysely.getExecutor().adapter, handle);
  statements.set(handle, new Map());
}

function prepared(handle: SQLite.Database, text: string): SQLite.Statement {
  const cache = statements.get(handle)!;
  let statement = cache.get(text);
  if (!statement) {
    statement = handle.prepare(text);
    if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
    cache.set(text, statement);
  }
  return statement;
}

export async function runSql<R>(db: Executor, text: string, values: readonly unknown[]): Promise<QueryResult<R>> {
  const handle = db.isTransaction ? sqliteHandles.get(db.getExecutor().adapter) : undefined;
  if (!handle) return db.executeQuery<R>(CompiledQuery.raw(text, values as unknown[]));
  const statement = prepared(handle, text);
  if (statement.reader) return { rows: statement.all(values) as R[] };
  return { rows: [], numAffectedRows: BigInt(statement.run(values).changes) };
}
