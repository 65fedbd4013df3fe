import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDatabase } from './database.ts';

async function withDb(fn: (db: ReturnType<typeof openDatabase>) => Promise<void>): Promise<void> {
  const db = openDatabase({ databaseUrl: 'sqlite::memory:', dataDir: '.' });
  try {
    await sql`CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`.execute(db.kysely);
    await fn(db);
  } finally {
    await db.close();
  }
}

/** Each settled unit as its value, or its error's message. */
const messages = (outcomes: PromiseSettledResult<unknown>[]) =>
  outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message));

const rows = async (db: ReturnType<typeof openDatabase>) =>
  (await sql<{ k: string; v: number }>`SELECT k, v FROM t ORDER BY k`.execute(db.kysely)).rows.map((r) => `${r.k}=${r.v}`);

test('concurrent transactions share one COMMIT, and a failing one rolls back only its own writes', async () => {
  await withDb(async (db) => {
    const write = (k: string, fail = false) =>
      db.transaction(async (tx) => {
        await sql`INSERT INTO t (k, v) VALUES (${k}, 1)`.execute(tx);
        await sql`UPDATE t SET v = v + 1 WHERE k = ${k}`.execute(tx);
        if (fail) throw new Error(`unit ${k} refused`);
        return k;
      });
    const outcomes = await Promise.allSettled([write('a'), write('b', true), write('c'), write('d', true), write('e')]);
    assert.deepEqual(
      messages(outcomes),
      ['a', 'unit b refused', 'c', 'unit d refused', 'e'],
    );
    assert.deepEqual(await rows(db), ['a=2', 'c=2', 'e=2']);
  });
});

test('a unit whose statement fails (a constraint) leaves the others of its group intact', async () => {
  await withDb(async (db) => {
    await sql`INSERT INTO t (k, v) VALUES ('taken', 0)`.execute(db.kysely);
    const insert = (k: string) => db.transaction((tx) => sql`INSERT INTO t (k, v) VALUES (${k}, 7)`.execute(tx));
    const outcomes = await Promise.allSettled([insert('x'), insert('taken'), insert('y')]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(await rows(db), ['taken=0', 'x=7', 'y=7']);
  });
});

test('a caller hears back only once its group is committed', async () => {
  await withDb(async (db) => {
    let secondRan = false;
    const first = db.transaction(async (tx) => {
      await sql`INSERT INTO t (k, v) VALUES ('first', 1)`.execute(tx);
    });
    const second = db.transaction(async (tx) => {
      await sql`INSERT INTO t (k, v) VALUES ('second', 1)`.execute(tx);
      secondRan = true;
    });
    await first;
    // Both were queued in the same turn, so they share a COMMIT: the first resolves after the second ran.
    assert.equal(secondRan, true);
    await second;
    assert.deepEqual(await rows(db), ['first=1', 'second=1']);
  });
});

test('a unit that fails before writing is dropped from its group without the others running again', async () => {
  await withDb(async (db) => {
    const runs = new Map<string, number>();
    const unit = (k: string, failBeforeWriting = false) =>
      db.transaction(async (tx) => {
        runs.set(k, (runs.get(k) ?? 0) + 1);
        await sql`SELECT count(*) FROM t`.execute(tx);
        if (failBeforeWriting) throw new Error(`unit ${k} not found`);
        await sql`INSERT INTO t (k, v) VALUES (${k}, 1)`.execute(tx);
        return k;
      });
    const outcomes = await Promise.allSettled([unit('a'), unit('b', true), unit('c')]);
    assert.deepEqual(
      messages(outcomes),
      ['a', 'unit b not found', 'c'],
    );
    assert.deepEqual(Object.fromEntries(runs), { a: 1, b: 1, c: 1 });
    assert.deepEqual(await rows(db), ['a=1', 'c=1']);
  });
});

test('a unit that fails after writing aborts its group: the units before it run again alone, those after it in the next group', async () => {
  await withDb(async (db) => {
    const runs = new Map<string, number>();
    const unit = (k: string, failAfterWriting = false) =>
      db.transaction(async (tx) => {
        runs.set(k, (runs.get(k) ?? 0) + 1);
        await sql`INSERT INTO t (k, v) VALUES (${k}, 1)`.execute(tx);
        if (failAfterWriting) throw new Error(`unit ${k} refused`);
        return k;
      });
    const outcomes = await Promise.allSettled([unit('a'), unit('b', true), unit('c')]);
    assert.deepEqual(
      messages(outcomes),
      ['a', 'unit b refused', 'c'],
    );
    assert.deepEqual(Object.fromEntries(runs), { a: 2, b: 1, c: 1 });
    assert.deepEqual(await rows(db), ['a=1', 'c=1']);
  });
});
