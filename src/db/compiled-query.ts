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
 */
import { PostgresAdapter, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './tables.ts';
import type { Executor } from './database.ts';
import { runSql, sendSql } from './run-sql.ts';
import { statementName } from './pg-driver.ts';

const MARK = '\u0001og-param:';

export type Params<P> = { readonly [K in keyof P]: P[K] };

interface Compiled {
  sql: string;
  /** PostgreSQL: the prepared statement's name (the text is fixed, so each connection parses and plans it once). */
  name: string | undefined;
  /** Per parameter: the name of a run-time value, or a constant. */
  slots: ({ name: string } | { value: unknown })[];
}

export interface CompiledStatement<P, R> {
  /** The rows, and for writes `numAffectedRows`. */
  execute(db: Executor, params: P): Promise<QueryResult<R>>;
  /** A write whose answer is not read: on PostgreSQL, inside a transaction, not waited for (run-sql.ts `sendSql`). */
  send(db: Executor, params: P): Promise<unknown>;
}

export function compiledQuery<P extends Record<string, unknown>, R>(
  build: (db: Kysely<Database>, p: Params<P>) => Compilable<R>,
): CompiledStatement<P, R> {
  const markers = new Proxy({}, { get: (_, name) => `${MARK}${String(name)}` }) as Params<P>;
  // One compilation per dialect (the adapter is shared by a Kysely instance and its transactions).
  const byAdapter = new WeakMap<object, Compiled>();
  const prepare = (db: Executor): Compiled => {
    const executor = db.getExecutor();
    let compiled = byAdapter.get(executor.adapter);
    if (!compiled) {
      const query = build(db as Kysely<Database>, markers).compile();
      compiled = {
        sql: query.sql,
        name: executor.adapter instanceof PostgresAdapter ? statementName(query.sql) : undefined,
        slots: query.parameters.map((v) =>
          typeof v === 'string' && v.startsWith(MARK) ? { name: v.slice(MARK.length) } : { value: v },
        ),
      };
      byAdapter.set(executor.adapter, compiled);
    }
    return compiled;
  };
  const valuesOf = (compiled: Compiled, params: P) => compiled.slots.map((s) => ('name' in s ? params[s.name] : s.value));
  return {
    // Not async: it hands back runSql's promise rather than wrapping it in one more (two microtask hops each).
    execute(db, params) {
      const compiled = prepare(db);
      return runSql<R>(db, compiled.sql, valuesOf(compiled, params), compiled.name);
    },
    send(db, params) {
      const compiled = prepare(db);
      return sendSql(db, compiled.sql, valuesOf(compiled, params), compiled.name);
    },
  };
}
