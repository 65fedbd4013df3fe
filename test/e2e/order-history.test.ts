/**
 * `Order.events` lists every change of the order, oldest first, however its history is stored. On SQLite the
 * index that finds an order's events is filled 1,000 events at a time (src/orders/order-history.ts), so an
 * order's history is read partly through that index and partly from the events written since: this writes
 * more than a batch, with an order's changes on both sides of it, and reads them back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { gql } from '../support/graphql.ts';
import { openDirectDb } from '../support/direct-db.ts';
import { createTenant, eventsOf, orderInput, type Tenant } from '../support/orders-api.ts';

const ALIASES = 50;

/** `count` DRAFT updates of one order, ALIASES to a request, in order (comments `${prefix}0`, `${prefix}1`, …). */
async function updateMany(server: TestServer, t: Tenant, id: string, prefix: string, count: number): Promise<void> {
  for (let from = 0; from < count; from += ALIASES) {
    const n = Math.min(ALIASES, count - from);
    const fields = Array.from({ length: n }, (_, k) => `u${k}: orderUpdate(input: {id: "${id}", comment: "${prefix}${from + k}"}) { state }`);
    const r = await gql(server.url, t.api.token, `mutation { ${fields.join('\n')} }`);
    assert.equal(r.status, 200);
    assert.ok(!r.body.errors, JSON.stringify(r.body.errors));
    for (let k = 0; k < n; k++) assert.equal((r.body.data as any)[`u${k}`].state, 'ACCEPTED');
  }
}

describe('order history across index batches', () => {
  let server: TestServer;
  let t: Tenant;

  before(async () => {
    server = await startServer();
    t = await createTenant(server);
  });
  after(() => server?.stop());

  test('events written before, during and after a batch read back complete and in order', async () => {
    const a = await t.api.create(orderInput());
    const b = await t.api.create(orderInput());
    await updateMany(server, t, a.id, 'before-', 3);
    await updateMany(server, t, b.id, 'bulk-', 1_050); // more than a batch
    await updateMany(server, t, a.id, 'after-', 2);

    const readA = await t.api.order(a.id);
    assert.deepEqual(
      eventsOf(readA, 'updated').map((e) => e.changes.find((c) => c.field === 'comment')?.to),
      ['before-0', 'before-1', 'before-2', 'after-0', 'after-1'],
    );
    assert.deepEqual(readA.events!.map((e) => e.action), ['created', 'updated', 'updated', 'updated', 'updated', 'updated']);
    assert.equal(readA.version, 6);

    const readB = await t.api.order(b.id);
    const comments = eventsOf(readB, 'updated').map((e) => e.changes.find((c) => c.field === 'comment')?.to);
    assert.equal(comments.length, 1_050);
    assert.deepEqual(comments, Array.from({ length: 1_050 }, (_, i) => `bulk-${i}`), 'every change, oldest first');
    assert.equal(readB.events![0].action, 'created');

    if (!server.databaseUrl) {
      // The batch did happen, and left only the latest events to the tail.
      const db = await openDirectDb(server);
      try {
        const [state] = await db.query<{ indexed_through: number; max_id: number }>(
          'SELECT indexed_through, (SELECT max(id) FROM order_events) AS max_id FROM order_event_index_state',
        );
        assert.ok(state.indexed_through >= 1_000, `indexed through ${state.indexed_through}`);
        assert.ok(state.max_id - state.indexed_through < 1_000);
      } finally {
        await db.close();
      }
    }
  });
});
