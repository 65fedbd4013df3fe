/**
 * Bulk semantics of `core { updateOrders }` (SPEC §5): results in input order, each order applied on its own (a
 * failure is null at its index with an error whose path ends at that index and whose code says why, the others go
 * through), the same id twice applied in order, exactly 1,000 orders in one call, 1,001 refused as a whole, null
 * entries refused at their index.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { gql } from '../support/graphql.ts';
import {
  allFulfillerOrders,
  assertErrorAt,
  assertNumericIndexPath,
  assertSingleError,
  createFulfillerWorld,
  createOrder,
  createOrders,
  expectData,
  fulfillerOrder,
  FULFILLER_PATH,
  merchantOrder,
  normalizePath,
  updateOrders,
  updateOrdersOk,
  type FulfillerWorld,
} from '../support/fulfiller.ts';

const path = (i: number) => ['core', 'updateOrders', i];

describe('Fulfiller API: bulk updateOrders', () => {
  let server: TestServer;
  let w: FulfillerWorld;

  before(async () => {
    server = await startServer();
    w = await createFulfillerWorld(server);
  });
  after(() => server?.stop());

  it('returns the results in the input order, not id order', async () => {
    const orders = await createOrders(w, 4);
    const input = [orders[2], orders[0], orders[3], orders[1]].map((o, i) => ({
      id: o.number,
      status: 512,
      shipping_tracking: `TRK-${i}`,
    }));
    const results = await updateOrdersOk(w.url, w.supplierToken, input);
    assert.deepEqual(
      results.map((r) => [r.id, r.shipping_tracking, r.status]),
      input.map((u) => [u.id, u.shipping_tracking, 512]),
    );
  });

  it('an empty list is an empty result', async () => {
    assert.deepEqual(await updateOrdersOk(w.url, w.supplierToken, []), []);
  });

  it('applies each order on its own: failures are null at their index with a coded error, the rest go through', async () => {
    const [a, dispatched, c, d, e] = await createOrders(w, 5);
    await updateOrdersOk(w.url, w.supplierToken, [{ id: dispatched.number, status: 8 }]);
    const missing = 2_000_000_000;
    const input = [
      { id: a.number, status: 4, shipping_carrier: 'Royal Mail' }, // 0 ok
      { id: missing, status: 4 }, // 1 NOT_FOUND
      { id: dispatched.number, status: 4 }, // 2 INVALID_STATUS_TRANSITION
      { id: c.number, status: 3 }, // 3 BAD_USER_INPUT (unknown status code)
      { id: d.number, status: 8, shipping_method: 'Tracked 24' }, // 4 ok
      { id: e.number, shipping_carrier: 'x'.repeat(256) }, // 5 BAD_USER_INPUT (too long)
    ];
    const r = await updateOrders(w.url, w.supplierToken, input);
    assert.equal(r.status, 200);
    const results = r.body.data?.core.updateOrders;
    assert.equal(results.length, input.length, JSON.stringify(r.body));
    assert.equal(results[0]?.id, a.number);
    assert.equal(results[0]?.status, 4);
    assert.equal(results[0]?.shipping_carrier, 'Royal Mail');
    assert.equal(results[1], null);
    assert.equal(results[2], null);
    assert.equal(results[3], null);
    assert.equal(results[4]?.id, d.number);
    assert.equal(results[4]?.status, 8);
    assert.equal(results[4]?.shipping_method, 'Tracked 24');
    assertErrorAt(r.body, { path: path(1), code: 'NOT_FOUND', message: String(missing) });
    assertErrorAt(r.body, { path: path(2), code: 'INVALID_STATUS_TRANSITION', message: '8 Dispatched' });
    assertErrorAt(r.body, { path: path(3), code: 'BAD_USER_INPUT', message: /status/ });
    assert.equal(results[5], null);
    assertErrorAt(r.body, { path: path(5), code: 'BAD_USER_INPUT', message: '`orders[5].shipping_carrier` must be at most 255 characters' });
    assert.equal(r.body.errors?.length, 4, JSON.stringify(r.body.errors));

    // The good ones were applied, the bad ones left alone.
    assert.equal((await merchantOrder(w.url, w.merchantToken, a.id)).status, 4);
    assert.equal((await merchantOrder(w.url, w.merchantToken, d.id)).state, 'COMPLETED');
    assert.equal((await merchantOrder(w.url, w.merchantToken, dispatched.id)).status, 8);
    assert.equal((await merchantOrder(w.url, w.merchantToken, c.id)).status, 1);
    assert.equal((await merchantOrder(w.url, w.merchantToken, e.id)).shippingCarrier, null);
  });

  for (const field of ['shipping_carrier', 'shipping_method', 'shipping_tracking'] as const) {
    it(`${field}: 255 characters are stored, 256 are refused at their index naming the field`, async () => {
      const [fits, tooLong] = await createOrders(w, 2);
      const r = await updateOrders(w.url, w.supplierToken, [
        { id: fits.number, [field]: 'a'.repeat(255) },
        { id: tooLong.number, [field]: 'b'.repeat(256) },
      ]);
      const results = r.body.data?.core.updateOrders;
      assert.equal(results?.[0]?.[field], 'a'.repeat(255), JSON.stringify(r.body).slice(0, 500));
      assert.equal(results[1], null);
      assertErrorAt(r.body, { path: path(1), code: 'BAD_USER_INPUT', message: `\`orders[1].${field}\` must be at most 255 characters` });
      assert.equal(r.body.errors?.length, 1);
      const stored = expectData(await fulfillerOrder(w.url, w.supplierToken, tooLong.number)).core.order;
      assert.equal(stored[field], null, 'the refused order is left alone');
    });
  }

  it('error paths are ["core", "updateOrders", <index as a JSON number>] for every kind of failure', async () => {
    const [ok, dispatched, other] = await createOrders(w, 3);
    await updateOrdersOk(w.url, w.supplierToken, [{ id: dispatched.number, status: 8 }]);
    const r = await updateOrders(w.url, w.supplierToken, [
      { id: ok.number, status: 512 },
      { id: 2_000_000_001, status: 4 }, // NOT_FOUND
      { id: dispatched.number, status: 4 }, // INVALID_STATUS_TRANSITION
      { id: other.number, status: 3 }, // BAD_USER_INPUT
      null, // BAD_USER_INPUT
    ]);
    assert.equal(r.status, 200);
    const byCode = Object.fromEntries((r.body.errors ?? []).map((e) => [`${e.extensions?.code}@${normalizePath(e.path)?.[2]}`, e.path]));
    assert.deepEqual(Object.keys(byCode).sort(), ['BAD_USER_INPUT@3', 'BAD_USER_INPUT@4', 'INVALID_STATUS_TRANSITION@2', 'NOT_FOUND@1']);
    assertNumericIndexPath(byCode['NOT_FOUND@1'], path(1));
    assertNumericIndexPath(byCode['INVALID_STATUS_TRANSITION@2'], path(2));
    assertNumericIndexPath(byCode['BAD_USER_INPUT@3'], path(3));
    assertNumericIndexPath(byCode['BAD_USER_INPUT@4'], path(4));
  });

  it('applies the same id twice in order: 4 then 8 ends at 8', async () => {
    const order = await createOrder(w);
    const results = await updateOrdersOk(w.url, w.supplierToken, [
      { id: order.number, status: 4, shipping_carrier: 'Royal Mail' },
      { id: order.number, status: 8, shipping_method: 'Tracked 24' },
    ]);
    assert.deepEqual(
      results.map((r) => [r.id, r.status, r.status_name]),
      [
        [order.number, 4, 'In Production'],
        [order.number, 8, 'Dispatched'],
      ],
    );
    assert.equal(results[1].shipping_carrier, 'Royal Mail', 'the second entry sees the first one applied');
    assert.equal(results[1].shipping_method, 'Tracked 24');
    const seen = await merchantOrder(w.url, w.merchantToken, order.id);
    assert.equal(seen.status, 8);
    assert.equal(seen.state, 'COMPLETED');
    assert.equal(seen.shippingCarrier, 'Royal Mail');
    assert.equal(seen.shippingMethod, 'Tracked 24');
    assert.deepEqual(seen.lines.map((l: any) => l.status), ['FULFILLED', 'FULFILLED']);
    const moves = seen.events
      .flatMap((e: any) => e.changes.filter((c: any) => c.field === 'status'))
      .map((c: any) => `${c.from}→${c.to}`);
    assert.deepEqual(moves.slice(-2), ['1→4', '4→8'], 'one history entry per applied entry, in order');
  });

  it('applies the same id twice in order: 8 then 4 refuses the second', async () => {
    const order = await createOrder(w);
    const r = await updateOrders(w.url, w.supplierToken, [
      { id: order.number, status: 8 },
      { id: order.number, status: 4 },
    ]);
    assert.equal(r.body.data?.core.updateOrders[0]?.status, 8, JSON.stringify(r.body));
    assert.equal(r.body.data?.core.updateOrders[1], null);
    assertSingleError(r, { code: 'INVALID_STATUS_TRANSITION', path: path(1), message: '8 Dispatched' });
    assert.equal((await merchantOrder(w.url, w.merchantToken, order.id)).status, 8);
  });

  it('refuses null entries with BAD_USER_INPUT at their index and applies the others', async () => {
    const [a, b] = await createOrders(w, 2);
    const r = await updateOrders(w.url, w.supplierToken, [null, { id: a.number, status: 512 }, null, { id: b.number, status: 513 }]);
    assert.equal(r.status, 200);
    const results = r.body.data?.core.updateOrders;
    assert.equal(results?.length, 4, JSON.stringify(r.body));
    assert.equal(results[0], null);
    assert.equal(results[1]?.status, 512);
    assert.equal(results[2], null);
    assert.equal(results[3]?.status, 513);
    assert.equal(r.body.errors?.length, 2, JSON.stringify(r.body.errors));
    assertErrorAt(r.body, { path: path(0), code: 'BAD_USER_INPUT' });
    assertErrorAt(r.body, { path: path(2), code: 'BAD_USER_INPUT' });
    assert.equal((await merchantOrder(w.url, w.merchantToken, a.id)).status, 512);
    assert.equal((await merchantOrder(w.url, w.merchantToken, b.id)).status, 513);
  });

  it('refuses an entry without an id for the whole call (id is Int!)', async () => {
    const order = await createOrder(w);
    const r = await updateOrders(w.url, w.supplierToken, [{ id: order.number, status: 4 }, { status: 4 }]);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.errors?.length, JSON.stringify(r.body));
    assert.equal(r.body.errors![0].extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await merchantOrder(w.url, w.merchantToken, order.id)).status, 1, 'nothing applied');
  });

  /** `items` in a different order for each `seed` (deterministic), to make concurrent calls lock in different orders. */
  function shuffled<T>(items: T[], seed: number): T[] {
    const out = [...items];
    let x = seed * 2654435761 + 1;
    for (let i = out.length - 1; i > 0; i--) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const j = x % (i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  it('concurrent calls on the same orders lose no update', async () => {
    const orders = await createOrders(w, 30);
    const before = await Promise.all(orders.map((o) => merchantOrder(w.url, w.merchantToken, o.id)));
    const calls = 8;
    const responses = await Promise.all(
      Array.from({ length: calls }, (_, k) =>
        updateOrders(w.url, w.supplierToken, shuffled(orders, k + 1).map((o) => ({ id: o.number, shipping_tracking: `call-${k}` }))),
      ),
    );
    for (const r of responses) {
      assert.equal(r.status, 200);
      assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    }
    const afterwards = await Promise.all(orders.map((o) => merchantOrder(w.url, w.merchantToken, o.id)));
    afterwards.forEach((o, i) => {
      assert.equal(o.version, before[i].version + calls, `order ${orders[i].number}: every call applied once`);
      const trackingChanges = o.events.flatMap((e: any) => e.changes.filter((c: any) => c.field === 'shippingTracking'));
      assert.equal(trackingChanges.length, calls);
      // Each change starts where the previous one ended: no call worked on a stale copy.
      for (let j = 1; j < trackingChanges.length; j++) assert.equal(trackingChanges[j].from, trackingChanges[j - 1].to);
      assert.equal(o.shippingTracking, trackingChanges[calls - 1].to);
    });
  });

  it('concurrent conflicting moves (4, 8, 128) leave every order consistent', async () => {
    const orders = await createOrders(w, 20);
    const targets = [4, 8, 128];
    const responses = await Promise.all(
      targets.map((status, k) => {
        const input = shuffled(orders, k + 11);
        return updateOrders(w.url, w.supplierToken, input.map((o) => ({ id: o.number, status }))).then((r) => ({ r, input }));
      }),
    );
    // Per order number: did the move to each target succeed?
    const applied = new Map<number, Record<number, boolean>>();
    responses.forEach(({ r, input }, k) => {
      assert.equal(r.status, 200);
      for (const e of r.body.errors ?? []) assert.equal(e.extensions?.code, 'INVALID_STATUS_TRANSITION', JSON.stringify(e));
      const results = r.body.data?.core.updateOrders;
      assert.equal(results?.length, orders.length, JSON.stringify(r.body).slice(0, 300));
      input.forEach((o, i) => {
        const entry = applied.get(o.number) ?? {};
        entry[targets[k]] = results[i] !== null;
        applied.set(o.number, entry);
      });
    });
    for (const o of orders) {
      const seen = await merchantOrder(w.url, w.merchantToken, o.id);
      const ok = applied.get(o.number)!;
      assert.ok(seen.status === 8 || seen.status === 128, `order ${o.number} ended at ${seen.status}`);
      assert.equal(seen.state, 'COMPLETED');
      assert.ok(ok[seen.status], `the move to ${seen.status} succeeded`);
      assert.equal(ok[seen.status === 8 ? 128 : 8], false, 'the other final move was refused');
      const expectedLines = seen.status === 8 ? 'FULFILLED' : 'CANCELED';
      assert.deepEqual(seen.lines.map((l: any) => l.status), [expectedLines, expectedLines]);
      const moves = seen.events.flatMap((e: any) => e.changes.filter((c: any) => c.field === 'status'));
      for (let j = 1; j < moves.length; j++) assert.equal(moves[j].from, moves[j - 1].to, `history chain of ${o.number}`);
      assert.equal(moves[moves.length - 1].to, seen.status);
      assert.equal(moves.length - 1, Object.values(ok).filter(Boolean).length, 'one status event per applied move (after opening)');
    }
  });

  describe('batch size', () => {
    let thousand: Awaited<ReturnType<typeof createOrders>>;

    before(async () => {
      thousand = await createOrders(w, 1001, (i) => ({ externalReference: `bulk-${i}` }), { batchSize: 50, concurrency: 4 });
      assert.equal(new Set(thousand.map((o) => o.number)).size, 1001);
      assert.ok(thousand.every((o) => o.state === 'OPENED'));
    });

    it('updates exactly 1,000 orders in one call', async () => {
      const batch = thousand.slice(0, 1000);
      const input = batch.map((o, i) => ({ id: o.number, status: 4, shipping_carrier: 'Royal Mail', shipping_tracking: `T${i}` }));
      const results = await updateOrdersOk(w.url, w.supplierToken, input);
      assert.equal(results.length, 1000);
      results.forEach((r, i) => {
        assert.equal(r.id, batch[i].number, `result ${i}`);
        assert.equal(r.status, 4);
        assert.equal(r.status_name, 'In Production');
        assert.equal(r.shipping_tracking, `T${i}`);
      });
      const inProduction = await allFulfillerOrders(w.url, w.supplierToken, { ids: batch.map((o) => o.number) }, 500, 'id status shipping_carrier items { status }');
      assert.equal(inProduction.length, 1000);
      assert.ok(inProduction.every((o) => o.status === 4 && o.shipping_carrier === 'Royal Mail'));
      const sample = await merchantOrder(w.url, w.merchantToken, batch[999].id);
      assert.equal(sample.status, 4);
      assert.equal(sample.locked, true);
      assert.deepEqual(sample.lines.map((l: any) => l.status), ['IN_PROGRESS', 'IN_PROGRESS']);
    });

    it('core.orders pages 100 by default and walks all of them with after_id', async () => {
      const first = expectData(await gql(w.url, w.supplierToken, '{ core { orders { id } } }', undefined, FULFILLER_PATH)).core.orders;
      assert.equal(first.length, 100);
      const all = await allFulfillerOrders(w.url, w.supplierToken, {}, 100, 'id');
      assert.ok(all.length >= 1001, `${all.length}`);
      assert.equal(new Set(all.map((o) => o.id)).size, all.length, 'no order twice');
      const listed = new Set(all.map((o) => o.id));
      for (const o of thousand) assert.ok(listed.has(o.number), `order ${o.number} listed`);
    });

    it('refuses 1,001 orders in one call as a whole with BAD_USER_INPUT, applying none', async () => {
      const input = thousand.map((o) => ({ id: o.number, status: 128 }));
      assert.equal(input.length, 1001);
      const r = await updateOrders(w.url, w.supplierToken, input);
      assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 500));
      assert.equal(r.body.errors?.length, 1, JSON.stringify(r.body).slice(0, 500));
      const e = r.body.errors![0];
      assert.equal(e.extensions?.code, 'BAD_USER_INPUT');
      assert.match(e.message, /1,?000/);
      assert.ok(r.body.data == null || r.body.data.core?.updateOrders == null, JSON.stringify(r.body.data).slice(0, 500));
      const cancelled = await allFulfillerOrders(w.url, w.supplierToken, { status: [128], ids: thousand.map((o) => o.number) });
      assert.deepEqual(cancelled, [], 'nothing of a refused call is applied');
      assert.equal((await merchantOrder(w.url, w.merchantToken, thousand[1000].id)).status, 1);
    });
  });
});
