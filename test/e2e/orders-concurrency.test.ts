/**
 * Concurrent changes of one order (SPEC §4, DESIGN rule 2): 50 parallel `orderUpdate`s of different fields of one
 * DRAFT order are all ACCEPTED and none is lost; the same 50 on an OPENED order are all PENDING, then all
 * ACCEPTED by the worker, with nothing lost. Every update sets a value no other update of that field sets and
 * that differs from the order's, so each one changes something whatever the order they run in: the final
 * version is the starting version + 50, the history holds 50 `updated` events, and every field ends at one of
 * the values sent for it (exactly that value where only one update touched it).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createTenant, dataOf, eventsOf, orderInput, uniqueRef, type DispatchableRequest, type Order, type Tenant } from '../support/orders-api.ts';

/** One update: which field (a top-level field, `delivery.x`, or `lines`) and its patch. */
interface Update {
  field: string;
  value: unknown;
  patch: Record<string, unknown>;
}

/** 50 updates; values are distinct per field and differ from `orderInput()`'s. */
function fiftyUpdates(): Update[] {
  const plan: [string, unknown[]][] = [
    ['comment', ['c1', 'c2', 'c3', 'c4', 'c5', 'c6']],
    ['invoiceNumber', ['I-1', 'I-2', 'I-3', 'I-4', 'I-5']],
    ['priority', ['LOW', 'HIGH']],
    ['type', ['B2B']],
    ['dispatchingType', ['MANUAL']],
    ['inventoryPolicy', ['ALLOW', 'SKIP', 'ADJUST']],
    ['total', [101, 102, 103]],
    ['totalTaxInclusive', [121, 122, 123]],
    ['totalShipping', [5.5, 6.5, 7.5]],
    ['currency', ['USD', 'GBP', 'JPY']],
    ['issuedAt', ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z']],
    ['externalReference', [uniqueRef('CONC'), uniqueRef('CONC')]],
    ['delivery.fullname', ['Ann A', 'Bob B']],
    ['delivery.email', ['a@example.org', 'b@example.org']],
    ['delivery.address', ['1 Main St']],
    ['delivery.addressComplement', ['Floor 2']],
    ['delivery.zipcode', ['10115']],
    ['delivery.city', ['Berlin', 'Hamburg']],
    ['delivery.country', ['DE', 'BE']],
    ['delivery.phone', ['+49301234567']],
    ['delivery.type', ['RELAY_POINT']],
    [
      'lines',
      [
        [{ sku: 'L1', quantity: 1 }],
        [{ sku: 'L2', quantity: 2 }, { sku: 'L2b', quantity: 1 }],
        [{ sku: 'L3', quantity: 3, price: 3.3, vatRate: 10 }],
      ],
    ],
  ];
  const updates: Update[] = [];
  for (const [field, values] of plan) {
    for (const value of values) {
      const patch = field.startsWith('delivery.') ? { delivery: { [field.slice(9)]: value } } : { [field]: value };
      updates.push({ field, value, patch });
    }
  }
  assert.equal(updates.length, 50, 'the plan has 50 updates');
  return updates;
}

/** The value of `field` on the order, in the form the updates sent it. */
function fieldValue(order: Order, field: string): unknown {
  if (field.startsWith('delivery.')) return order.delivery?.[field.slice(9)] ?? null;
  if (field === 'lines') {
    return order.lines.map((l) => Object.fromEntries(Object.entries({ sku: l.sku, quantity: l.quantity, price: l.price, vatRate: l.vatRate }).filter(([, v]) => v !== null)));
  }
  return order[field as keyof Order];
}

/** Every field ends at one of the values sent for it, and the history holds one event per update. */
function assertNothingLost(start: Order, final: Order, updates: Update[]): void {
  assert.equal(final.version, start.version + updates.length, `version ${final.version}: one bump per update that changed something`);
  const updated = eventsOf(final, 'updated');
  assert.equal(updated.length, updates.length, 'one history event per update');
  const byField = new Map<string, unknown[]>();
  for (const u of updates) byField.set(u.field, [...(byField.get(u.field) ?? []), u.value]);
  for (const [field, values] of byField) {
    const actual = fieldValue(final, field);
    assert.ok(
      values.some((v) => JSON.stringify(v) === JSON.stringify(actual)),
      `${field} is ${JSON.stringify(actual)}, not one of the values sent ${JSON.stringify(values)} (an update was lost)`,
    );
  }
  // Each event's changes are exactly one field (or one delivery field), so the history accounts for every update.
  const changed = updated.map((e) => e.changes.map((c) => c.field).join(','));
  for (const field of byField.keys()) {
    const top = field.startsWith('delivery.') ? 'delivery' : field;
    const expected = updates.filter((u) => (u.field.startsWith('delivery.') ? 'delivery' : u.field) === top).length;
    assert.equal(changed.filter((c) => c === top).length, expected, `events changing ${top}`);
  }
}

describe('50 parallel orderUpdates of one order', () => {
  let server: TestServer;
  let t: Tenant;

  before(async () => {
    server = await startServer();
    t = await createTenant(server);
  });
  after(() => server?.stop());

  test('DRAFT: all ACCEPTED at once, version = 1 + 50, nothing lost', async () => {
    const start = await t.api.order((await t.api.create(orderInput())).id);
    const updates = fiftyUpdates();
    const results = await Promise.all(updates.map((u) => t.api.tryUpdate({ id: start.id, ...u.patch })));
    const requests = results.map((r, i) => {
      const req = dataOf<DispatchableRequest>(r, 'orderUpdate');
      assert.equal(req.state, 'ACCEPTED', `update ${i} (${updates[i].field}): ${JSON.stringify(req)}`);
      assert.equal(req.message, 'Order updated successfully');
      return req;
    });
    assert.equal(new Set(requests.map((q) => q.id)).size, 50, 'fifty distinct requests');
    const final = await t.api.order(start.id);
    assert.equal(final.state, 'DRAFT');
    assert.equal(final.version, 1 + 50);
    assertNothingLost(start, final, updates);
  });

  test('DRAFT: 50 parallel updates of the same field with distinct values end at one of them', async () => {
    const start = await t.api.order((await t.api.create(orderInput())).id);
    const values = Array.from({ length: 50 }, (_, i) => `same-field-${i}`);
    const results = await Promise.all(values.map((comment) => t.api.tryUpdate({ id: start.id, comment })));
    for (const r of results) assert.equal(dataOf<DispatchableRequest>(r, 'orderUpdate').state, 'ACCEPTED');
    const final = await t.api.order(start.id);
    assert.ok(values.includes(final.comment!), `final comment ${final.comment}`);
    assert.equal(final.version, 1 + 50);
    // The history is a chain: each update's `from` is the previous one's `to`.
    const chain = eventsOf(final, 'updated').map((e) => e.changes.find((c) => c.field === 'comment')!);
    assert.equal(chain.length, 50);
    assert.equal(chain[0].from, start.comment);
    for (let i = 1; i < chain.length; i++) assert.equal(chain[i].from, chain[i - 1].to, `event ${i} starts where ${i - 1} ended`);
    assert.equal(chain.at(-1)!.to, final.comment);
    assert.deepEqual(new Set(chain.map((c) => c.to)), new Set(values), 'every value was applied once');
  });

  test('OPENED: all PENDING, then all ACCEPTED by the worker, version consistent, nothing lost', async () => {
    const start = await t.api.order((await t.api.create(orderInput({ state: 'OPENED' }))).id);
    assert.equal(start.state, 'OPENED');
    const updates = fiftyUpdates();
    const results = await Promise.all(updates.map((u) => t.api.tryUpdate({ id: start.id, ...u.patch })));
    const pending = results.map((r, i) => {
      const req = dataOf<DispatchableRequest>(r, 'orderUpdate');
      assert.equal(req.state, 'PENDING', `update ${i} (${updates[i].field}): ${JSON.stringify(req)}`);
      return req;
    });
    const settled = await Promise.all(pending.map((q) => t.api.settled(q.id, 60_000)));
    for (const [i, s] of settled.entries()) {
      assert.equal(s.state, 'ACCEPTED', `update ${i} (${updates[i].field}): ${JSON.stringify(s)}`);
      assert.equal(s.message, 'Order updated successfully');
    }
    const final = await t.api.order(start.id);
    assert.equal(final.state, 'OPENED');
    assert.ok(final.lines.every((l) => l.status === 'ACCEPTED'));
    assertNothingLost(start, final, updates);
  });

  test('OPENED: 50 parallel updates of the same field are each applied once, as a chain', async () => {
    const start = await t.api.order((await t.api.create(orderInput({ state: 'OPENED' }))).id);
    const values = Array.from({ length: 50 }, (_, i) => `opened-same-field-${i}`);
    const results = await Promise.all(values.map((comment) => t.api.tryUpdate({ id: start.id, comment })));
    const pending = results.map((r) => dataOf<DispatchableRequest>(r, 'orderUpdate'));
    const settled = await Promise.all(pending.map((q) => t.api.settled(q.id, 60_000)));
    assert.ok(settled.every((s) => s.state === 'ACCEPTED'), JSON.stringify(settled.filter((s) => s.state !== 'ACCEPTED')));
    const final = await t.api.order(start.id);
    assert.equal(final.version, start.version + 50);
    assert.ok(values.includes(final.comment!));
    const chain = eventsOf(final, 'updated').map((e) => e.changes.find((c) => c.field === 'comment')!);
    assert.equal(chain.length, 50);
    for (let i = 1; i < chain.length; i++) assert.equal(chain[i].from, chain[i - 1].to);
    assert.deepEqual(new Set(chain.map((c) => c.to)), new Set(values));
  });

  test('parallel updates with expectedVersion: exactly one wins per version, the rest are VERSION_CONFLICT', async () => {
    const start = await t.api.create(orderInput());
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.api.tryUpdate({ id: start.id, comment: `guarded-${i}`, expectedVersion: 1 })),
    );
    const won = results.filter((r) => !r.body.errors);
    const lost = results.filter((r) => r.body.errors);
    assert.equal(won.length, 1, `exactly one update at version 1 wins: ${JSON.stringify(results.map((r) => r.body))}`);
    for (const r of lost) assert.equal(r.body.errors![0].extensions?.code, 'VERSION_CONFLICT', JSON.stringify(r.body));
    const final = await t.api.order(start.id);
    assert.equal(final.version, 2);
  });

  test('parallel creates with one externalReference: exactly one wins, the others are BAD_USER_INPUT naming it', async () => {
    const ref = uniqueRef('RACE');
    const results = await Promise.all(Array.from({ length: 10 }, () => t.api.tryCreate(orderInput({ externalReference: ref }))));
    const won = results.filter((r) => !r.body.errors);
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.body.errors?.[0] ?? 'ok')));
    for (const r of results.filter((x) => x.body.errors)) {
      assert.equal(r.body.errors![0].extensions?.code, 'BAD_USER_INPUT', `a lost race is a user error, not ${JSON.stringify(r.body.errors)}`);
      assert.match(r.body.errors![0].message, /externalReference/);
    }
    assert.equal((await t.api.orders({ filter: { externalReference: ref } })).totalCount, 1);
  });

  test('parallel renames of different DRAFT orders to one externalReference: one wins, the others are BAD_USER_INPUT', async () => {
    const ref = uniqueRef('RENAME-RACE');
    const orders = await Promise.all(Array.from({ length: 8 }, () => t.api.create(orderInput())));
    const results = await Promise.all(orders.map((o) => t.api.tryUpdate({ id: o.id, externalReference: ref })));
    const won = results.filter((r) => !r.body.errors);
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.body.errors?.[0] ?? r.body.data)));
    for (const r of results.filter((x) => x.body.errors)) {
      assert.equal(r.body.errors![0].extensions?.code, 'BAD_USER_INPUT', `a lost race is a user error, not ${JSON.stringify(r.body.errors)}`);
    }
    assert.equal((await t.api.orders({ filter: { externalReference: ref } })).totalCount, 1);
  });
});
