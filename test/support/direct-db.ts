/**
 * Direct SQL access to a test server's database, for the few tests that must set up or inspect rows the API
 * cannot (a client with a hand-chosen secret, a signing key). Write queries with PostgreSQL-style `$1, $2`
 * placeholders; on SQLite they are rewritten to `?`. Prefer the API and the CLI wherever they can do the job.
 */
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';

export interface DirectDb {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  insert(table: string, row: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/** Opens the database a test server uses (`server.databaseUrl`, else `DATA_DIR/ordergraph.sqlite`). */
export async function openDirectDb(server: { databaseUrl: string | undefined; dataDir: string }): Promise<DirectDb> {
  const insertSql = (table: string, row: Record<string, unknown>) => {
    const cols = Object.keys(row);
    return `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`;
  };

  if (server.databaseUrl) {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    const query = async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[];
    return {
      query,
      insert: async (table, row) => void (await query(insertSql(table, row), Object.values(row))),
      close: () => client.end(),
    };
  }

  const db = new SQLite(path.join(server.dataDir, 'ordergraph.sqlite'));
  db.pragma('busy_timeout = 5000');
  const query = async <T>(text: string, params: unknown[] = []) => {
    const order: number[] = [];
    const sqliteText = text.replace(/\$(\d+)/g, (_, n: string) => {
      order.push(Number(n) - 1);
      return '?';
    });
    const stmt = db.prepare(sqliteText);
    const bound = order.map((i) => params[i]);
    if (stmt.reader) return stmt.all(...bound) as T[];
    stmt.run(...bound);
    return [] as T[];
  };
  return {
    query,
    insert: async (table, row) => void (await query(insertSql(table, row), Object.values(row))),
    close: async () => void db.close(),
  };
}
