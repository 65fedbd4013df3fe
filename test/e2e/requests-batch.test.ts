/**
 * The worker applies PENDING requests in batches (one transaction for the oldest request of many orders): each
 * order's requests still apply one at a time in the order they were made, each once, and a request that fails
 * inside a batch (a stale expectedVersion, a clashing external reference; refused in the batch, or after rolling
 * it back when its change writes as it goes) is REJECTED on its own while the rest of its batch, and the order's
 * later requests, are applied. Requests that write lines or an external reference
 * run in the same batches as plain field patches. On SQLite and PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createTenant, orderInput, type DispatchableRequest, type Order, type Tenant } from '../support/orders-api.ts';

const ORDERS = 8;

describe('requests applied in batches by the worker', () => {
  let server: TestServer;
  let t: Tenant;
  let orders: Order[];
  /** Per order, its requests in the order they were made. */
  let queued: DispatchableRequest[][];
  let settled: DispatchableRequest[][];

  before(async () => {
    server = await startServer({ workers: 'none' });
    t = await createTenant(server);
    orders = [];
    for (let i = 0; i < ORDERS; i++) orders.push(await t.api.create(orderInput({ state: 'OPENED', comment: `o${i}-0` })));
    queued = orders.map(() => []);
    const renamed = `${orders[4].externalReference}-renamed`;
    // Round-robin, as many clients would: every batch holds one request of each order.
    for (let step = 1; step <= 3; step++) {
      for (let i = 0; i < ORDERS; i++) {
        const input: Record<string, unknown> = { id: orders[i].id, comment: `o${i}-${step}` };
        if (step === 2 && i === 0) input.expectedVersion = orders[0].version; // stale once the first update applied
        // Lines are written as the batch goes, so this one's refusal rolls its batch back (which runs again without it).
        if (step === 2 && i === 5) Object.assign(input, { expectedVersion: orders[5].version, lines: [{ sku: 'CAP-1', label: 'Cap', quantity: 1, price: 5, vatRate: 20 }] });
        if (step === 2 && i === 1) input.lines = [{ sku: 'MUG-1', label: 'Mug', quantity: 3, price: 9.5, vatRate: 20 }];
        // Free when asked for; taken by order 4's first request by the time order 2's second one runs.
        if (step === 1 && i === 4) input.externalReference = renamed;
        if (step === 2 && i === 2) input.externalReference = renamed;
        queued[i].push(await t.api.update(input));
      }
    }
    for (const q of queued.flat()) assert.equal(q.state, 'PENDING');
    await server.startWorker();
    settled = await Promise.all(queued.map((qs) => Promise.all(qs.map((q) => t.api.settled(q.id, 60_000)))));
  });
  after(async () => {
    await server?.stop();
  });

  test('a request that fails in its batch is REJECTED alone; every other request is ACCEPTED', () => {
    const states = settled.map((qs) => qs.map((q) => q.state));
    const expected = orders.map((_, i) => ([0, 2, 5].includes(i) ? ['ACCEPTED', 'REJECTED', 'ACCEPTED'] : ['ACCEPTED', 'ACCEPTED', 'ACCEPTED']));
    assert.deepEqual(states, expected, JSON.stringify(settled));
    assert.match(settled[0][1].message ?? '', /version/i);
    assert.match(settled[2][1].message ?? '', /externalReference/);
    assert.match(settled[5][1].message ?? '', /version/i);
  });

  test("each order's requests applied once, in the order they were made", async () => {
    for (let i = 0; i < ORDERS; i++) {
      const read = await t.api.order(orders[i].id);
      const accepted = settled[i].filter((s) => s.state === 'ACCEPTED').length;
      assert.equal(read.comment, `o${i}-3`);
      assert.equal(read.version, orders[i].version + accepted, `order ${i}: one version per applied request`);
      const updates = read.events!.filter((e) => e.action === 'updated');
      assert.equal(updates.length, accepted, `order ${i}: one history row per applied request`);
      assert.deepEqual(
        updates.map((e) => e.changes.find((c) => c.field === 'comment')?.to),
        settled[i].map((s, step) => (s.state === 'ACCEPTED' ? `o${i}-${step + 1}` : undefined)).filter((c) => c !== undefined),
      );
      for (const e of updates) assert.equal(e.clientId, t.merchantClient.client_id, 'history names the client that asked');
      assert.equal(new Set(updates.map((e) => e.requestId)).size, updates.length, 'and each request that asked');
      const completed = settled[i].map((s) => s.completedAt!);
      assert.deepEqual([...completed].sort(), completed, `order ${i}: settled in order`);
    }
  });

  test('lines and a new external reference written in a batch', async () => {
    const lined = await t.api.order(orders[1].id);
    assert.deepEqual((await t.api.order(orders[5].id)).lines.map((l) => l.sku), ['TSHIRT-BLK-M'], 'the refused lines were not written');
    assert.deepEqual(lined.lines.map((l) => [l.sku, l.quantity]), [['MUG-1', 3]]);
    const renamed = await t.api.order(orders[4].id);
    assert.equal(renamed.externalReference, `${orders[4].externalReference}-renamed`);
    assert.ok(renamed.events!.some((e) => e.changes.some((c) => c.field === 'externalReference')));
    const clashed = await t.api.order(orders[2].id);
    assert.equal(clashed.externalReference, orders[2].externalReference);
  });
});
