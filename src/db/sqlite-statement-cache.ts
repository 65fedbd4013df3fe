/**
 * Kysely's SQLite driver prepares every statement anew, and preparing (parsing and planning) costs more than
 * running our small statements. This hands Kysely a database whose `prepare` reuses statements by SQL text.
 * Safe because Kysely runs each statement to completion (`all`/`run`) before the next one starts.
 */
import type SQLite from 'better-sqlite3';
import { BoundedMap } from '../bounded-map.ts';

/** The cached handle, which also counts the statements it ran that may have written. */
export interface CachedDatabase extends SQLite.Database {
  /** How many non-reading statements have been run (counted before they run, so a failed one counts too). */
  writesIssued(): number;
}

export function withStatementCache(db: SQLite.Database, max = 1000): CachedDatabase {
  // Batch statements differ by row count; a bounded map keeps odd sizes from piling up.
  const cache = new BoundedMap<string, SQLite.Statement>(max);
  let writes = 0;
  const countWrites = (statement: SQLite.Statement): SQLite.Statement => {
    if (statement.reader) return statement;
    const run = statement.run.bind(statement);
    statement.run = (...params: unknown[]) => {
      writes++;
      return run(...params);
    };
    return statement;
  };
  const writesIssued = () => writes;
  const prepare = (source: string): SQLite.Statement => {
    let statement = cache.get(source);
    if (!statement) {
      statement = countWrites(withFastRows(db.prepare(source)));
      cache.set(source, statement);
    }
    return statement;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      if (prop === 'writesIssued') return writesIssued;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as CachedDatabase;
}

/**
 * better-sqlite3 builds a row with one keyed store per column, and past 16 of them V8 turns the object into a
 * slow dictionary (an `orders` row has 26): every read of it, and every copy (`{ ...row }` took 7 µs), pays.
 * Wide rows are therefore read as arrays and built by an object literal of their columns, which V8 keeps fast.
 */
const FAST_COLUMNS = 16;

function withFastRows(statement: SQLite.Statement): SQLite.Statement {
  if (!statement.reader) return statement;
  const columns = statement.columns().map((c) => c.name);
  if (columns.length <= FAST_COLUMNS) return statement;
  // A literal with the column names spelled out: generated once per statement, so every row gets one shape.
  const build = new Function('v', `return { ${columns.map((c, i) => `${JSON.stringify(c)}: v[${i}]`).join(', ')} };`) as (
    values: unknown[],
  ) => unknown;
  const all = statement.all.bind(statement);
  const get = statement.get.bind(statement);
  const asArrays = <T>(read: () => T): T => {
    statement.raw(true);
    try {
      return read();
    } finally {
      statement.raw(false);
    }
  };
  statement.all = (...params: unknown[]) => asArrays(() => all(...params) as unknown[][]).map(build);
  statement.get = (...params: unknown[]) => {
    const row = asArrays(() => get(...params) as unknown[] | undefined);
    return row && build(row);
  };
  return statement;
}
