import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDatabase } from '../database.ts';
import * as initial from './001-initial.ts';
import * as historyIndexBatches from './004-history-index-batches.ts';

test('an existing SQLite history moves into order_event_index, and the per-row index goes', async () => {
  const db = openDatabase({ databaseUrl: 'sqlite::memory:', dataDir: '.' });
  try {
    await initial.up(db.kysely, 'sqlite');
    const events = [['o-2', 'updated'], ['o-1', 'created'], ['o-2', 'created'], ['o-1', 'updated']];
    for (const [orderId, action] of events) {
      await sql`INSERT INTO order_events (order_id, organization_id, action, changes, created_at)
        VALUES (${orderId}, 'org', ${action}, '{}', '2026-11-22T00:00:00.000Z')`.execute(db.kysely);
    }
    await historyIndexBatches.up(db.kysely, 'sqlite');

    const index = await sql<{ order_id: string; event_id: number }>`SELECT order_id, event_id FROM order_event_index`.execute(db.kysely);
    assert.deepEqual(
      index.rows.map((r) => `${r.order_id}:${r.event_id}`),
      ['o-1:2', 'o-1:4', 'o-2:1', 'o-2:3'],
    );
    const state = await sql<{ indexed_through: number }>`SELECT indexed_through FROM order_event_index_state`.execute(db.kysely);
    assert.deepEqual(state.rows, [{ indexed_through: 4 }]);
    const indexes = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'order_events'`.execute(
      db.kysely,
    );
    assert.deepEqual(indexes.rows, []);
  } finally {
    await db.close();
  }
});
