import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { startCheckpointer } from './sqlite-checkpointer.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A WAL database as database.ts opens one (no auto-checkpoint, so only the thread copies frames back). */
function openWal(file: string): SQLite.Database {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  return db;
}

const walBytes = (file: string) => (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);

test('the WAL file keeps its size while writes go on, and is truncated once the database is quiet', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-checkpointer-'));
  const file = path.join(dir, 'db.sqlite');
  const db = openWal(file);
  const checkpointer = startCheckpointer(file, { intervalMs: 20, quietMs: 1000 });
  try {
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const write = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) insert.run('x'.repeat(500));
    });
    write(4000); // ~2 MB of frames
    const grown = walBytes(file);
    assert.ok(grown > 1_000_000, `the WAL holds the writes (${grown} bytes)`);

    // A write every 10 ms for well over quietMs: the thread copies frames back but never finds the WAL quiet.
    let smallest = grown;
    for (let i = 0; i < 150; i++) {
      write(1);
      smallest = Math.min(smallest, walBytes(file));
      await sleep(10);
    }
    assert.ok(smallest >= grown, `not truncated while written to (${smallest} < ${grown} bytes)`);

    // Quiet: truncated to nothing within a few quiet periods.
    for (let waited = 0; walBytes(file) > 0 && waited < 10_000; waited += 50) await sleep(50);
    assert.equal(walBytes(file), 0, 'truncated once quiet');
    assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 4150, 'every row is still there');
    write(1); // and the writer goes on with a fresh WAL
    assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 4151);
  } finally {
    await checkpointer.stop();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
