/**
 * PENDING requests wait in the database until a worker takes them (DESIGN rule 3), and are judged when they run:
 * with the server started without workers (`serve --no-workers`), changes of OPENED orders stay PENDING; production
 * that starts while they wait makes `orderUpdate` and `orderCancel` REJECTED once an `ordergraph worker` process
 * picks them up, and requests of one order are applied in the order they were made: even when the first one's job
 * is not due yet (its run time is moved an hour ahead in the database), the later ones wait for it, on SQLite as on
 * PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { openDirectDb, type DirectDb } from '../support/direct-db.ts';
import { createTenant, orderInput, startProduction, type DispatchableRequest, type Order, type Tenant } from '../support/orders-api.ts';

describe('requests queued while no worker runs', () => {
  let server: TestServer;
  let t: Tenant;
  let inProduction: Order;
  let queuedOnLocked: DispatchableRequest[];
  let ordered: Order;
  let queuedInOrder: DispatchableRequest[];
  let guarded: Order;
  let queuedGuarded: DispatchableRequest[];
  let db: DirectDb;

  /** Moves the run time of a request's job (`payload` holds the request id). */
  async function rescheduleJob(requestId: string, runAt: Date): Promise<void> {
    await db.query('UPDATE jobs SET run_at = $1 WHERE payload LIKE $2', [runAt.toISOString(), `%${requestId}%`]);
    const [job] = await db.query<{ run_at: string }>('SELECT run_at FROM jobs WHERE payload LIKE $1', [`%${requestId}%`]);
    assert.equal(job?.run_at, runAt.toISOString(), `the job of request ${requestId} is rescheduled`);
  }

  before(async () => {
    server = await startServer({ workers: 'none' });
    t = await createTenant(server);
    inProduction = await t.api.create(orderInput({ state: 'OPENED', comment: 'untouched' }));
    ordered = await t.api.create(orderInput({ state: 'OPENED', comment: 'start' }));
    guarded = await t.api.create(orderInput({ state: 'OPENED', comment: 'guarded' }));
    db = await openDirectDb(server);
  });
  after(async () => {
    await db?.close();
    await server?.stop();
  });

  test('changes of OPENED orders are PENDING and stay PENDING without a worker', async () => {
    queuedOnLocked = [
      await t.api.update({ id: inProduction.id, comment: 'queued before production', priority: 'HIGH' }),
      await t.api.cancel(inProduction.id),
    ];
    queuedInOrder = [
      await t.api.update({ id: ordered.id, comment: 'first' }),
      await t.api.update({ id: ordered.id, comment: 'second', invoiceNumber: 'INV-2' }),
      await t.api.cancel(ordered.id),
    ];
    // Both see the order at the same version when they are made; only the first can still be right when it runs.
    queuedGuarded = [
      await t.api.update({ id: guarded.id, comment: 'guarded 1', expectedVersion: guarded.version }),
      await t.api.update({ id: guarded.id, comment: 'guarded 2', expectedVersion: guarded.version }),
    ];
    for (const q of [...queuedOnLocked, ...queuedInOrder, ...queuedGuarded]) {
      assert.equal(q.state, 'PENDING');
      assert.equal((await t.api.request(q.id)).state, 'PENDING', 'no worker, no outcome');
    }
    // The order's first request is not due for an hour; the two after it are due now.
    await rescheduleJob(queuedInOrder[0].id, new Date(Date.now() + 3600_000));
    const read = await t.api.order(inProduction.id);
    assert.equal(read.comment, 'untouched');
    assert.equal(read.version, inProduction.version);
  });

  test('production starts while the requests wait', async () => {
    await startProduction(server.url, t.supplierToken, inProduction);
    const read = await t.api.order(inProduction.id);
    assert.equal(read.locked, true);
    assert.equal(read.status, 4);
  });

  test('once a worker runs: the update and the cancel of the order in production are REJECTED', async () => {
    await server.startWorker();
    const [update, cancel] = await Promise.all(queuedOnLocked.map((q) => t.api.settled(q.id, 30_000)));
    assert.equal(update.state, 'REJECTED', JSON.stringify(update));
    assert.match(update.message ?? '', /production has started/i);
    assert.equal(cancel.state, 'REJECTED', JSON.stringify(cancel));
    assert.match(cancel.message ?? '', /production has started/i);
    const read = await t.api.order(inProduction.id);
    assert.equal(read.comment, 'untouched');
    assert.equal(read.priority, inProduction.priority);
    assert.equal(read.state, 'OPENED');
    assert.equal(read.status, 4);
  });

  test("an order's later requests wait while its first one is not due, though they are", async () => {
    // Sentinel: requests queued after them, on another order, are settled by now.
    await Promise.all(queuedGuarded.map((q) => t.api.settled(q.id, 30_000)));
    for (const q of queuedInOrder) assert.equal((await t.api.request(q.id)).state, 'PENDING', `request ${q.id} waits`);
    const read = await t.api.order(ordered.id);
    assert.equal(read.comment, 'start');
    assert.equal(read.state, 'OPENED');
    await rescheduleJob(queuedInOrder[0].id, new Date());
  });

  test("one order's requests are applied in the order they were made", async () => {
    const settled = await Promise.all(queuedInOrder.map((q) => t.api.settled(q.id, 30_000)));
    assert.deepEqual(settled.map((s) => s.state), ['ACCEPTED', 'ACCEPTED', 'ACCEPTED'], JSON.stringify(settled));
    const read = await t.api.order(ordered.id);
    assert.equal(read.comment, 'second');
    assert.equal(read.invoiceNumber, 'INV-2');
    assert.equal(read.state, 'COMPLETED');
    assert.equal(read.status, 128);
    assert.deepEqual(
      read.events!.map((e) => e.action),
      ['created', 'opened', 'updated', 'updated', 'cancelled'],
    );
    const completed = settled.map((s) => s.completedAt!);
    assert.ok(completed[0] <= completed[1] && completed[1] <= completed[2], `completed in order: ${completed}`);
  });

  test('expectedVersion is checked again when the worker applies: the second of two guarded updates is rejected', async () => {
    const [first, second] = await Promise.all(queuedGuarded.map((q) => t.api.settled(q.id, 30_000)));
    assert.equal(first.state, 'ACCEPTED', JSON.stringify(first));
    assert.equal(second.state, 'REJECTED', JSON.stringify(second));
    assert.match(second.message ?? '', /version/i);
    const read = await t.api.order(guarded.id);
    assert.equal(read.comment, 'guarded 1');
    assert.equal(read.version, guarded.version + 1);
  });
});
