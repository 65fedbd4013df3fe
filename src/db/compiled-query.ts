/**
 * Fixed-shape statements built with Kysely once and then run as compiled SQL. Building and compiling a Kysely
 * query costs more than SQLite takes to run a small one, and on the hot paths (one order change, one job) the
 * same few statements run thousands of times a second with only their values changing.
 *
 *   const byId = compiledQuery((db, p: Params<{ id: string }>) => db.selectFrom('orders').selectAll().where('id', '=', p.id));
 *   const { rows } = await byId.execute(tctx.tx, { id });
 *
 * `p.id` is a marker string that Kysely passes through as a parameter; after compiling, each parameter is either
 * a marker (replaced by the value given at run time) or a constant of the query. Use markers only where Kysely
 * binds a value (comparisons, `set`, `values`), never in `in` lists, whose length is part of the SQL.
 *
 * On SQLite, a statement run inside a transaction goes straight to its prepared better-sqlite3 statement: the
 * process has one connection, the transaction holds it, and Kysely's per-statement machinery (connection
 * hand-off, result transformation, a few awaits) would cost more than the statement.
 */
import type SQLite from 'better-sqlite3';
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './tables.ts';
import type { Executor } from './database.ts';

/** The better-sqlite3 handle behind a Kysely instance, keyed by its adapter (shared with its transactions). */
const sqliteHandles = new WeakMap<object, SQLite.Database>();

export function registerSqliteHandle(kysely: Kysely<Database>, handle: SQLite.Database): void {
  sqliteHandles.set(kysely.getExecutor().adapter, handle);
}

const MARK = '\u0001og-param:';

export type Params<P> = { readonly [K in keyof P]: P[K] };

interface Compiled {
  sql: string;
  /** Prepared on first direct use (SQLite, inside a transaction). */
  statement?: SQLite.Statement;
  /** Per parameter: the name of a run-time value, or a constant. */
  slots: ({ name: string } | { value: unknown })[];
}

export interface CompiledStatement<P, R> {
  /** The rows, and for writes `numAffectedRows`. */
  execute(db: Executor, params: P): Promise<QueryResult<R>>;
}

export function compiledQuery<P extends Record<string, unknown>, R>(
  build: (db: Kysely<Database>, p: Params<P>) => Compilable<R>,
): CompiledStatement<P, R> {
  const markers = new Proxy({}, { get: (_, name) => `${MARK}${String(name)}` }) as Params<P>;
  // One compilation per dialect (the adapter is shared by a Kysely instance and its transactions).
  const byAdapter = new WeakMap<object, Compiled>();
  return {
    async execute(db, params) {
      const executor = db.getExecutor();
      let compiled = byAdapter.get(executor.adapter);
      if (!compiled) {
        const query = build(db as Kysely<Database>, markers).compile();
        compiled = {
          sql: query.sql,
          slots: query.parameters.map((v) =>
            typeof v === 'string' && v.startsWith(MARK) ? { name: v.slice(MARK.length) } : { value: v },
          ),
        };
        byAdapter.set(executor.adapter, compiled);
      }
      const values = compiled.slots.map((s) => ('name' in s ? params[s.name] : s.value));
      const handle = db.isTransaction ? sqliteHandles.get(executor.adapter) : undefined;
      if (handle) {
        const statement = (compiled.statement ??= handle.prepare(compiled.sql));
        if (statement.reader) return { rows: statement.all(values) as R[] };
        return { rows: [], numAffectedRows: BigInt(statement.run(values).changes) };
      }
      return db.executeQuery<R>(CompiledQuery.raw(compiled.sql, values));
    },
  };
}
