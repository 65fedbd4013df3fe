/**
 * Opens the database: embedded SQLite (better-sqlite3) by default, PostgreSQL when DATABASE_URL says so.
 * Everything above this module talks Kysely; the few dialect differences live in `Db.kind` checks here and in
 * the modules that check it.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, type Transaction } from 'kysely';
import type { Database } from './tables.ts';
import { startCheckpointer } from './sqlite-checkpointer.ts';
import { OrdergraphSqliteDialect } from './sqlite-dialect.ts';
import { GroupCommit } from './group-commit.ts';
import { bindPgConnection, registerSqliteHandle } from './run-sql.ts';
import { connectionOf, PipelinedPostgresDialect } from './pg-driver.ts';
import { WriteHealth } from './storage-errors.ts';

export type DbKind = 'sqlite' | 'postgres';
export type { Executor } from './tables.ts';

export interface Db {
  kind: DbKind;
  kysely: Kysely<Database>;
  /** The pool on PostgreSQL (job-signal.ts NOTIFYs through it and LISTENs on a client with its settings). */
  pool?: pg.Pool;
  /** Human-readable location without credentials, for logs. */
  location: string;
  /** Runs `work` in a transaction (on SQLite possibly committed together with others: group-commit.ts). */
  transaction<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL (pg-driver.ts): statements sent together travel together, so a read is best sent as early as its
   * answer can be known; and a failed statement fails the COMMIT behind it, so a change may send COMMIT before
   * reading its writes' answers (context.ts `commitChecks`).
   */
  pipelined: boolean;
  /**
   * Concurrent DRAFT changes share one set-based transaction (orders/draft-update-batch.ts): on PostgreSQL, where a
   * change's fixed costs are round trips and per-statement work in the backend (paired 2.3x the requests/s). SQLite
   * already commits concurrent transactions in groups (group-commit.ts), and batched it measured slower (0.83x).
   */
  batchesDraftChanges: boolean;
  /** Storage errors (disk full, read-only) seen by `transaction`, for /readyz. */
  writeHealth: WriteHealth;
  close(): Promise<void>;
}

/**
 * Bytes SQLite's WAL file is cut back to when a writer restarts it: above the 40 MB at which the main connection
 * checkpoints (10,000 pages), so under load the file keeps its size. Cut to 4 MB, every burst grew it again (kept:
 * 1.05x the DRAFT `orderUpdate`s a second). The checkpoint thread truncates it once the database is quiet.
 */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

// int8 (count(*), bigserial) as numbers: our counts and ids stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

/** Where the embedded database lives when DATABASE_URL is unset. */
export function embeddedDatabaseFile(dataDir: string): string {
  return path.join(dataDir, 'ordergraph.sqlite');
}

/** `checkpoints`: run SQLite checkpoints on a thread (long-running processes; one-shot commands skip it). */
export function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
  checkpoints?: boolean;
  /** Caps the embedded database file (bytes): writes past it fail with SQLITE_FULL, as on a full disk. */
  sqliteMaxBytes?: number;
}): Db {
  const writeHealth = new WriteHealth();
  const fail = (e: unknown): never => {
    throw writeHealth.note(e);
  };
  if (opts.databaseUrl && /^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
    // Up to 24 connections: a worker runs 32 jobs at once, and on PostgreSQL each is a transaction of round trips
    // (10 connections: 403 request jobs/s; 24: 842/s). Mind max_connections (100 by default) × processes.
    // Pipelined clients (pg-driver.ts): a change's statements go out together instead of one round trip each.
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 24, pipeline: true } as pg.PoolConfig);
    pool.on('error', () => {}); // idle client errors surface on the next query instead of crashing
    const kysely = new Kysely<Database>({ dialect: new PipelinedPostgresDialect(pool) });
    const url = new URL(opts.databaseUrl);
    return {
      kind: 'postgres',
      kysely,
      pool,
      location: `postgres://${url.host}${url.pathname}`,
      pipelined: true,
      batchesDraftChanges: true,
      transaction: (work) =>
        kysely
          .transaction()
          .execute(async (tx) => {
            bindPgConnection(tx, await connectionOf(tx.getExecutor()));
            return work(tx);
          })
          .catch(fail),
      writeHealth,
      close: () => kysely.destroy(),
    };
  }
  if (opts.databaseUrl && !opts.databaseUrl.startsWith('sqlite:')) {
    throw new Error('DATABASE_URL must start with postgres:// or postgresql:// (or sqlite:PATH)');
  }
  const file = opts.databaseUrl ? opts.databaseUrl.slice('sqlite:'.length) : embeddedDatabaseFile(opts.dataDir);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536');
  // Statement journals of big multi-row writes stay in memory instead of spilling to temp files.
  sqlite.pragma('temp_store = MEMORY');
  if (opts.sqliteMaxBytes) sqlite.pragma(`max_page_count = ${Math.ceil(opts.sqliteMaxBytes / Number(sqlite.pragma('page_size', { simple: true })))}`);
  // After a checkpoint has copied the whole WAL back, the next writer restarts it and cuts the file to this size.
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  const checkpointer = opts.checkpoints && file !== ':memory:' ? startCheckpointer(file) : undefined;
  if (checkpointer) sqlite.pragma('wal_autocheckpoint = 10000');
  const dialect = new OrdergraphSqliteDialect(sqlite);
  const kysely = new Kysely<Database>({ dialect });
  registerSqliteHandle(kysely, dialect.cachedDatabase);
  const group = new GroupCommit(kysely, dialect.cachedDatabase.writesIssued);
  return {
    kind: 'sqlite',
    kysely,
    location: file,
    pipelined: false,
    batchesDraftChanges: false,
    transaction: (work) => group.run(work).catch(fail),
    writeHealth,
    close: async () => {
      await checkpointer?.stop();
      await kysely.destroy();
    },
  };
}
