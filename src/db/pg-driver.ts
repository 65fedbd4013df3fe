/**
 * PostgreSQL transport: a Kysely driver over pg clients in pipeline mode. On this machine a round trip to
 * PostgreSQL costs ~200 µs of Node CPU (half of it system time, writev and reads of the socket), more than the
 * server takes to run a small statement, and a change was ~9 statements each waiting for the last. So:
 *  - the pool's clients run in pg's pipeline mode: a statement is written at once, while earlier ones are still
 *    running, and answers come back in order; statements issued together are awaited together;
 *  - what one tick writes to a connection goes out in one writev (the socket is corked until the next tick);
 *  - BEGIN is sent, not awaited: it travels with the transaction's first statement, and its answer is checked
 *    at COMMIT;
 *  - fixed-shape statements are named (`statementName`): each connection parses and plans them once;
 *  - plain INSERTs whose answer is not read are held back and sent together as one statement (`hold`).
 *
 * Errors in a transaction: after a failed statement PostgreSQL fails the ones already sent behind it with 25P02
 * ("current transaction is aborted") and answers COMMIT with ROLLBACK, without an error. The connection keeps the
 * transaction's first error: a 25P02 is reported as that error, and COMMIT throws it (or, without one, says the
 * transaction was rolled back), so a failed statement can never be taken for a committed change.
 */
import pg from 'pg';
import { type CompiledQuery, PostgresDialect, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings } from 'kysely';
import { mergeable, oneStatement, type HeldInsert } from './pg-held-inserts.ts';

type PgClient = pg.PoolClient & { connection: { stream: { cork(): void; uncork(): void } } };

/** A transaction's state on its connection. */
interface TxState {
  /** Set by the first statement that fails (BEGIN included). */
  failure: unknown;
  failed: boolean;
  begun: Promise<void>;
}

const IN_FAILED_TRANSACTION = '25P02';
const NO_VALUES: readonly unknown[] = [];

/** Keeps a transaction's first failure: the one its later statements and COMMIT report. */
function noteFailure(tx: TxState, e: unknown): void {
  if (tx.failed) return;
  tx.failed = true;
  tx.failure = e;
}

function toResult<R>(res: pg.QueryResult): QueryResult<R> {
  const { command, rowCount, rows } = res;
  const writes = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
  return { rows: (rows ?? []) as R[], numAffectedRows: writes ? BigInt(rowCount ?? 0) : undefined };
}

export class PipelinedConnection implements DatabaseConnection {
  private corked = false;
  private tx: TxState | undefined;
  private held: HeldInsert[] = [];
  /** The connection may be mid-transaction or dead: the pool must not hand it out again. */
  private broken = false;
  private readonly uncork = (): void => {
    this.sendHeld();
    this.corked = false;
    this.client.connection.stream.uncork();
  };

  constructor(private readonly client: PgClient) {
    // pg emits 'error' on a client whose socket ends (a terminated backend, a restarting server); the pool listens
    // only while the client is idle, and an 'error' nobody hears takes the process down. Lent out, the statements
    // in flight fail with it, and the client must not go back to the pool.
    client.on('error', () => {
      this.broken = true;
    });
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.run<R>(query.sql, query.parameters, (query as { name?: string }).name);
  }

  /** Sends a statement now (named: prepared once per connection); its answer comes in the order sent. */
  run<R>(text: string, values: readonly unknown[], name?: string): Promise<QueryResult<R>> {
    this.cork();
    this.sendHeld(); // what was issued before goes first
    const tx = this.tx;
    const sent = this.send(text, values, name);
    if (!tx) return sent.then(toResult<R>);
    return sent.then(toResult<R>, (e: unknown) => {
      // A statement that only failed because an earlier one did reports the cause.
      if (tx.failed && (e as { code?: string }).code === IN_FAILED_TRANSACTION) throw tx.failure;
      noteFailure(tx, e);
      throw e;
    });
  }

  /**
   * An INSERT whose rows and count nobody reads, inside a transaction: held back until the next statement, COMMIT
   * or the tick's end, and sent with the other inserts held meanwhile as one statement, `WITH w0 AS (insert…), …
   * insert…`. PostgreSQL then runs, answers and flushes one statement instead of several, and pg parses one answer
   * (an order change's history, request and outbox rows; docs/benchmarks.md, session 9).
   * Resolves when it is written; rejects with its statement's error. Others are sent as they come.
   */
  hold(text: string, values: readonly unknown[]): Promise<void> {
    if (!this.tx || !mergeable(text)) return this.run(text, values, statementName(text)).then(() => {});
    this.cork();
    return new Promise((resolve, reject) => this.held.push({ text, values, done: (e) => (e === undefined ? resolve() : reject(e)) }));
  }

  private sendHeld(): void {
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    const { text, values } = oneStatement(held);
    this.run(text, values, statementName(text)).then(
      () => {
        for (const h of held) h.done();
      },
      (e: unknown) => {
        for (const h of held) h.done(e);
      },
    );
  }

  /**
   * A pg Query built from the text (a config object would be copied property by property, ~3 % of a DRAFT
   * change's CPU) and answered through its callback (pg's own promise adds a stack capture and a hop).
   */
  private send(text: string, values: readonly unknown[], name: string | undefined): Promise<pg.QueryResult> {
    return new Promise((resolve, reject) => {
      const query = new pg.Query(text, values as unknown[]) as pg.Query & { name?: string; callback(err: Error | null, res: pg.QueryResult): void };
      if (name !== undefined) query.name = name;
      query.callback = (err, res) => (err ? reject(err) : resolve(res));
      this.client.query(query);
    });
  }

  // biome-ignore lint/correctness/useYield: streaming needs a cursor, which pipeline mode cannot share a connection with
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on the pipelined PostgreSQL connection');
  }

  begin(sql: string): void {
    const tx: TxState = { failure: undefined, failed: false, begun: Promise.resolve() };
    this.cork();
    tx.begun = this.send(sql, NO_VALUES, undefined).then(
      () => {},
      (e: unknown) => noteFailure(tx, e),
    );
    this.tx = tx;
  }

  async commit(): Promise<void> {
    const tx = this.tx;
    if (!tx) throw new Error('COMMIT without a transaction');
    this.cork();
    this.sendHeld();
    const commit = this.send('COMMIT', NO_VALUES, undefined);
    this.tx = undefined; // whatever COMMIT answers, the transaction is over
    await tx.begun;
    const res = await commit;
    if (tx.failed) throw tx.failure;
    if (res.command !== 'COMMIT') throw new Error(`PostgreSQL answered COMMIT with ${res.command}: the transaction was rolled back`);
  }

  async rollback(): Promise<void> {
    if (!this.tx) return; // COMMIT has already ended it (a failed COMMIT rolls back)
    this.cork();
    this.sendHeld(); // their promises settle (ROLLBACK undoes them)
    this.tx = undefined;
    try {
      await this.send('ROLLBACK', NO_VALUES, undefined);
    } catch {
      // A dead connection has rolled back by itself; the caller's error is the one to report, not this one.
      this.broken = true;
    }
  }

  release(): void {
    if (this.tx) this.broken = true; // released mid-transaction (cannot happen through Kysely; be safe)
    this.tx = undefined;
    this.client.release(this.broken ? new Error('connection left in an unknown state') : undefined);
  }

  /** Holds this tick's writes back so they leave in one writev. */
  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.client.connection.stream.cork();
    process.nextTick(this.uncork);
  }
}

class PipelinedDriver implements Driver {
  private readonly connections = new WeakMap<pg.PoolClient, PipelinedConnection>();

  constructor(private readonly pool: pg.Pool) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<PipelinedConnection> {
    const client = await this.pool.connect();
    let connection = this.connections.get(client);
    if (!connection) {
      connection = new PipelinedConnection(client as PgClient);
      this.connections.set(client, connection);
    }
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let sql = 'BEGIN';
    if (settings.isolationLevel) sql += ` ISOLATION LEVEL ${settings.isolationLevel}`;
    if (settings.accessMode) sql += ` ${settings.accessMode}`;
    (connection as PipelinedConnection).begin(sql);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return (connection as PipelinedConnection).commit();
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return (connection as PipelinedConnection).rollback();
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as PipelinedConnection).release();
  }

  async destroy(): Promise<void> {
    await this.pool.end();
  }
}

/** Kysely's PostgreSQL dialect on the pipelined driver; the pool's clients must be created with `pipeline: true`. */
export class PipelinedPostgresDialect extends PostgresDialect {
  constructor(private readonly pool: pg.Pool) {
    super({ pool });
  }

  override createDriver(): Driver {
    return new PipelinedDriver(this.pool);
  }
}

/** The connection a transaction runs on (`tx.getExecutor()` hands it out once; run-sql.ts then writes to it directly). */
export async function connectionOf(executor: { provideConnection<T>(consume: (c: DatabaseConnection) => Promise<T>): Promise<T> }): Promise<PipelinedConnection> {
  return executor.provideConnection(async (c) => c as PipelinedConnection);
}

/**
 * Statement names: each distinct text gets one, the first time it is asked for, up to a bound, since every
 * connection keeps each named statement it has run for its lifetime (texts built per row count, or per set of
 * changed columns, must not pile up). Long texts (bulk statements) stay unnamed.
 */
const MAX_NAMED = 400;
const MAX_NAMED_LENGTH = 4000;
const names = new Map<string, string>();

export function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED && text.length <= MAX_NAMED_LENGTH) {
    name = `og${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}
