/**
 * Kysely's SQLite driver prepares every statement anew, and preparing (parsing and planning) costs more than
 * running our small statements. This hands Kysely a database whose `prepare` reuses statements by SQL text.
 * Safe because Kysely runs each statement to completion (`all`/`run`) before the next one starts.
 */
import type SQLite from 'better-sqlite3';

export function withStatementCache(db: SQLite.Database, max = 1000): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = (source: string): SQLite.Statement => {
    let statement = cache.get(source);
    if (!statement) {
      statement = db.prepare(source);
      // Batch statements differ by row count; evicting the oldest keeps the cache bounded.
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(source, statement);
    }
    return statement;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
