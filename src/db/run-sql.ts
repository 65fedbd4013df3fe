/**
 * Runs SQL text with its values. Inside a transaction it goes straight to the connection: on SQLite to a
 * prepared better-sqlite3 statement (the process has one connection, the transaction holds it, and Kysely's
 * per-statement machinery — connection hand-off, result transformation, a few awaits — costs more than a small
 * statement); on PostgreSQL to the pipelined connection (pg-driver.ts), so that statements issued together are
 * sent together, which Kysely's one-statement-at-a-time transaction executor would not let them. Outside a
 * transaction it goes through Kysely.
 */
import type SQLite from 'better-sqlite3';
import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Database, Executor } from './tables.ts';
import type { PipelinedConnection } from './pg-driver.ts';

/**
 * The better-sqlite3 handle behind a Kysely instance, keyed by its adapter (shared with its transactions). It is
 * the handle with the statement cache (sqlite-statement-cache.ts), so `prepare` reuses what the driver prepared.
 */
const sqliteHandles = new WeakMap<object, SQLite.Database>();
/** A PostgreSQL transaction's connection, keyed by the transaction (database.ts binds it as the transaction starts). */
const pgConnections = new WeakMap<object, PipelinedConnection>();

export function registerSqliteHandle(kysely: Kysely<Database>, handle: SQLite.Database): void {
  sqliteHandles.set(kysely.getExecutor().adapter, handle);
}

export function bindPgConnection(tx: Executor, connection: PipelinedConnection): void {
  pgConnections.set(tx, connection);
}

/** `name`: the statement's name on PostgreSQL (pg-driver.ts `statementName`), for fixed-shape text. */
export async function runSql<R>(db: Executor, text: string, values: readonly unknown[], name?: string): Promise<QueryResult<R>> {
  if (db.isTransaction) {
    const handle = sqliteHandles.get(db.getExecutor().adapter);
    if (handle) {
      const statement = handle.prepare(text);
      if (statement.reader) return { rows: statement.all(values) as R[] };
      const { changes, lastInsertRowid } = statement.run(values);
      return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
    }
    const connection = pgConnections.get(db);
    if (connection) return connection.run<R>(text, values, name);
  }
  const query: CompiledQuery & { name?: string } = CompiledQuery.raw(text, values as unknown[]);
  return db.executeQuery<R>(name === undefined ? query : { ...query, name });
}

const SENT: Promise<undefined> = Promise.resolve(undefined);
const ignore = (): void => {};

/**
 * Runs a write whose answer the caller does not read. Inside a PostgreSQL transaction it is sent and not waited
 * for: it travels with the statements after it (or the COMMIT), and if it fails, the transaction fails with its
 * error at COMMIT at the latest (pg-driver.ts). Elsewhere it is `runSql`, and the caller must await it.
 */
export function sendSql(db: Executor, text: string, values: readonly unknown[], name?: string): Promise<unknown> {
  const connection = db.isTransaction ? pgConnections.get(db) : undefined;
  if (!connection) return runSql(db, text, values, name);
  connection.hold(text, values).catch(ignore);
  return SENT;
}

/**
 * Runs a write whose rows and count the caller does not read (only whether it failed). Inside a PostgreSQL
 * transaction a plain INSERT may go out as one statement with the inserts issued next to it (pg-driver.ts `hold`).
 */
export async function writeSql(db: Executor, text: string, values: readonly unknown[], name?: string): Promise<void> {
  const connection = db.isTransaction ? pgConnections.get(db) : undefined;
  if (connection) return connection.hold(text, values);
  await runSql(db, text, values, name);
}

/**
 * Awaits statements issued together in the order they were issued, so that the first failure is the one
 * reported. With Promise.all a later statement's rejection can win (on PostgreSQL it fails with 25P02 behind the
 * first, and pg-driver.ts reports the first's raw error there): a caller that maps its error to a domain error
 * (a unique violation to BAD_USER_INPUT) takes more microtask turns than a raw one.
 */
export async function inIssueOrder(...statements: (Promise<unknown> | undefined)[]): Promise<void> {
  for (const s of statements) s?.catch(ignore);
  for (const s of statements) await s;
}
