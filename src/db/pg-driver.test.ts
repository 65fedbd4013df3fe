/**
 * The pipelined PostgreSQL transport's error semantics (pg-driver.ts), on a fresh database next to
 * TEST_DATABASE_URL; skipped without one. Statements are issued together and awaited together, as the hot path does.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDatabase, type Db } from './database.ts';
import { runSql, sendSql, writeSql } from './run-sql.ts';
import { mergeable, oneStatement } from './pg-held-inserts.ts';
import { isUniqueViolation } from './unique-violation.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.ts';

const skip = process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL (PostgreSQL)';
let testDb: TestDatabase;
let db: Db;

before(async () => {
  if (skip) return;
  testDb = await createTestDatabase('postgres');
  db = openDatabase({ databaseUrl: testDb.url, dataDir: '.' });
  await sql`CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`.execute(db.kysely);
});

after(async () => {
  if (skip) return;
  await db.close();
  await testDb.drop();
});

const rows = async () => (await sql<{ k: string; v: number }>`SELECT k, v FROM t ORDER BY k`.execute(db.kysely)).rows.map((r) => `${r.k}=${r.v}`);
const insert = (tx: Parameters<Parameters<Db['transaction']>[0]>[0], k: string, v = 1) =>
  runSql(tx, 'INSERT INTO t (k, v) VALUES ($1, $2)', [k, v], 'og_test_insert');

test('statements issued together commit together', { skip }, async () => {
  await sql`TRUNCATE t`.execute(db.kysely);
  const got = await db.transaction(async (tx) => {
    const [, , read] = await Promise.all([insert(tx, 'a'), insert(tx, 'b'), runSql<{ n: number }>(tx, 'SELECT count(*)::int AS n FROM t', [])]);
    return read.rows[0].n;
  });
  assert.equal(got, 2); // the read saw the writes sent before it
  assert.deepEqual(await rows(), ['a=1', 'b=1']);
});

test('a failing statement mid-pipeline rolls the transaction back and surfaces the first error, not 25P02', { skip }, async () => {
  await sql`TRUNCATE t`.execute(db.kysely);
  await insert(db.kysely as never, 'x').catch(() => {}); // outside a transaction: through Kysely
  const failed = await db
    .transaction(async (tx) => {
      // The second insert breaks the NOT NULL rule; the third is sent behind it and fails with 25P02.
      await Promise.all([insert(tx, 'a'), runSql(tx, 'INSERT INTO t (k, v) VALUES ($1, NULL)', ['b']), insert(tx, 'c')]);
    })
    .then(
      () => undefined,
      (e: { code?: string }) => e,
    );
  assert.equal(failed?.code, '23502'); // not_null_violation
  assert.deepEqual(await rows(), ['x=1']);
});

test('a later statement awaited alone reports the first error, and COMMIT after a swallowed error fails', { skip }, async () => {
  await sql`TRUNCATE t`.execute(db.kysely);
  const failed = await db
    .transaction(async (tx) => {
      const bad = runSql(tx, 'INSERT INTO t (k, v) VALUES ($1, NULL)', ['b']).catch(() => 'swallowed');
      const later = await insert(tx, 'c').catch((e: { code?: string }) => e.code);
      assert.equal(later, '23502'); // the cause, not 25P02
      assert.equal(await bad, 'swallowed');
      return 'work ended normally';
    })
    .then(
      () => undefined,
      (e: { code?: string }) => e,
    );
  assert.equal(failed?.code, '23502'); // the transaction counts as failed even though the work caught the error
  assert.deepEqual(await rows(), []);
});

test('a unique violation is seen as one, and the connection serves the next transaction', { skip }, async () => {
  await sql`TRUNCATE t`.execute(db.kysely);
  await db.transaction(async (tx) => insert(tx, 'a'));
  const failed = await db.transaction(async (tx) => Promise.all([insert(tx, 'b'), insert(tx, 'a')])).catch((e: unknown) => e);
  assert.ok(isUniqueViolation(failed, 't_pkey'), `wanted a unique violation, got ${String(failed)}`);
  // Every pooled connection still works and is outside a transaction.
  await Promise.all(Array.from({ length: 30 }, (_, i) => db.transaction(async (tx) => insert(tx, `n${i}`, i))));
  assert.equal((await rows()).length, 31);
});

test('a domain error thrown after writes were sent rolls them back', { skip }, async () => {
  await sql`TRUNCATE t`.execute(db.kysely);
  const failed = await db
    .transaction(async (tx) => {
      void insert(tx, 'a');
      await insert(tx, 'b');
      throw new Error('refused');
    })
    .catch((e: Error) => e.message);
  assert.equal(failed, 'refused');
  assert.deepEqual(await rows(), []);
});

test('inserts whose answers are not read go out as one statement and commit or fail together', { skip }, async () => {
  await sql`TRUNCATE t`.execute(db.kysely);
  const text = 'INSERT INTO t (k, v) VALUES ($1, $2)';
  await db.transaction(async (tx) => {
    void sendSql(tx, text, ['a', 1]);
    await Promise.all([writeSql(tx, text, ['b', 2]), writeSql(tx, 'INSERT INTO t (v, k) SELECT $1, $2', [3, 'c'])]);
  });
  assert.deepEqual(await rows(), ['a=1', 'b=2', 'c=3']);
  const failed = await db
    .transaction(async (tx) => {
      void sendSql(tx, text, ['d', 4]);
      await writeSql(tx, 'INSERT INTO t (k, v) VALUES ($1, NULL)', ['e']);
    })
    .catch((e: { code?: string }) => e.code);
  assert.equal(failed, '23502'); // the held insert's own error, reported to its caller
  assert.deepEqual(await rows(), ['a=1', 'b=2', 'c=3']);
});

test('held inserts become one WITH statement, parameters renumbered', () => {
  const done = () => {};
  const merged = oneStatement([
    { text: 'INSERT INTO a (x, y) VALUES ($1, $2)', values: [1, 2], done },
    { text: 'INSERT INTO b (x) SELECT $1', values: [3], done },
    { text: 'INSERT INTO c (x, y) VALUES ($2, $1)', values: [4, 5], done },
  ]);
  assert.equal(merged.text, 'WITH w0 AS (INSERT INTO a (x, y) VALUES ($1, $2)), w1 AS (INSERT INTO b (x) SELECT $3) INSERT INTO c (x, y) VALUES ($5, $4)');
  assert.deepEqual(merged.values, [1, 2, 3, 4, 5]);
  assert.equal(mergeable("INSERT INTO t VALUES ('$1')"), false);
  assert.equal(mergeable('INSERT INTO t VALUES ($1) RETURNING id'), false);
});

test('a backend terminated while its connection is in use fails that transaction, not the process', { skip }, async () => {
  // As `pg_terminate_backend` or a restarting server does: the socket ends while the pool has lent the client out,
  // and pg emits 'error' on the client, which throws if nobody listens.
  const failed = await db
    .transaction(async (tx) => {
      const { rows: mine } = await runSql<{ pid: number }>(tx, 'SELECT pg_backend_pid() AS pid', []);
      await sql`SELECT pg_terminate_backend(${mine[0].pid})`.execute(db.kysely); // from another connection
      await new Promise((resolve) => setTimeout(resolve, 300)); // the end of the socket arrives meanwhile
      await runSql(tx, 'SELECT 1', []);
    })
    .then(
      () => undefined,
      (e: Error) => e,
    );
  assert.ok(failed, 'the transaction failed');
  assert.deepEqual((await sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely)).rows, [{ one: 1 }]); // the pool goes on
});
