/**
 * Which database the end-to-end tests run on, and a fresh one per test server. `TEST_DB=postgres` (set by
 * `npm test` for its second half) means PostgreSQL: a new database `og_test_<random>` is created next to
 * `TEST_DATABASE_URL` and dropped when the server stops. Anything else means the embedded SQLite file in the
 * server's temporary DATA_DIR.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type TestDbKind = 'sqlite' | 'postgres';

export function testDbKind(): TestDbKind {
  return process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
}

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'TEST_DB=postgres needs TEST_DATABASE_URL=postgres://user:password@host:5432/db (a role allowed to CREATE DATABASE)',
    );
  }
  return url;
}

async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  /** The DATABASE_URL for the server, or undefined for the embedded SQLite database. */
  url: string | undefined;
  /** Removes the database (no-op on SQLite: the data dir goes with the server). */
  drop(): Promise<void>;
}

/** A fresh, empty database of the kind `TEST_DB` asks for. */
export async function createTestDatabase(kind: TestDbKind = testDbKind()): Promise<TestDatabase> {
  if (kind === 'sqlite') return { url: undefined, drop: async () => {} };
  const name = `og_test_${randomBytes(6).toString('hex')}`;
  // No WAL flush at each commit (SQLite's `synchronous = NORMAL` is the same trade): commits still happen in order
  // and a killed Ordergraph process loses nothing, only a crash of PostgreSQL itself could, which no test does. Write-
  // heavy files (durability, feed, soak) wait much less on the disk.
  await withAdminClient(async (c) => {
    await c.query(`CREATE DATABASE "${name}"`);
    await c.query(`ALTER DATABASE "${name}" SET synchronous_commit = off`);
  });
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      // FORCE may not terminate an autovacuum worker that happens to be on the database (42501 without
      // pg_signal_backend); it finishes in moments, so try again a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
          return;
        } catch (e) {
          if ((e as { code?: string }).code !== '42501' || attempt === 10) throw e;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    },
  };
}
