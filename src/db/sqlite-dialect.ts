/**
 * SQLite as Ordergraph uses it: Kysely's dialect with two changes. Statements are prepared once and reused (see
 * sqlite-statement-cache.ts), and transactions start with BEGIN IMMEDIATE: our transactions read, then write,
 * and a deferred transaction whose snapshot went stale while another process wrote fails at once with
 * SQLITE_BUSY instead of waiting out the busy timeout.
 */
import type SQLite from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';
import { withStatementCache, type CachedDatabase } from './sqlite-statement-cache.ts';

class ImmediateSqliteDriver extends SqliteDriver {
  constructor(private readonly database: CachedDatabase) {
    super({ database });
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR): a ROLLBACK then fails
  // with "cannot rollback - no transaction is active", and that error would replace the real cause.
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.database.inTransaction) await super.rollbackTransaction(connection);
  }
}

export class OrdergraphSqliteDialect extends SqliteDialect {
  /** The handle with the statement cache: Kysely's driver and run-sql.ts share it. */
  readonly cachedDatabase: CachedDatabase;

  constructor(database: SQLite.Database) {
    super({ database });
    this.cachedDatabase = withStatementCache(database);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.cachedDatabase);
  }
}
