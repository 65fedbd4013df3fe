/**
 * DRAFT `orderUpdate`s that arrive together share one transaction (orders/draft-update-batch.ts), and each keeps
 * its own answer and rows: a burst of concurrent updates of many orders is applied with the right versions,
 * history (with its own request id), ACCEPTED requests and outbox events; a stale expectedVersion in the burst is
 * refused alone; two updates of one order in the burst both apply, one after the other; an update that fails
 * unexpectedly fails alone and the others commit, whether it fails at the batch's writes (a trigger raising on its
 * value) or while it is applied (a corrupt stored value); a subscribed webhook's event bodies carry each order as
 * changed, lines included. On SQLite and PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { openDirectDb, type DirectDb } from '../support/direct-db.ts';
import { subscribeReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { createTenant, orderInput, type DispatchableRequest, type Gql, type Order, type Tenant } from '../support/orders-api.ts';

const ORDERS = 24;

describe('concurrent DRAFT updates applied in batches', () => {
  let server: TestServer;
  let t: Tenant;
  let db: DirectDb;
  let receiver: WebhookReceiver | undefined;

  before(async () => {
    // Webhooks on loopback are allowed so that one test can subscribe (nothing is delivered: no workers).
    server = await startServer({ workers: 'none', env: { ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    t = await createTenant(server);
    db = await openDirectDb(server);
  });
  after(async () => {
    await receiver?.stop();
    await db?.close();
    await server?.stop();
  });

  const createOrders = async (n: number) => {
    const orders: Order[] = [];
    for (let i = 0; i < n; i++) orders.push(await t.api.create(orderInput({ comment: `start-${i}` })));
    return orders;
  };
  const outboxTypes = async (orderId: string) =>
    (await db.query<{ type: string }>('SELECT type FROM outbox_events WHERE order_id = $1 ORDER BY id', [orderId])).map((r) => r.type);
  const accepted = (r: Gql): DispatchableRequest => {
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    const request = r.body.data!.orderUpdate as DispatchableRequest;
    assert.equal(request.state, 'ACCEPTED');
    assert.equal(request.message, 'Order updated successfully');
    return request;
  };
  /** Order `i` of `orders` as created: comment, version and events unchanged. */
  const assertUntouched = async (orders: Order[], i: number) => {
    const now = await t.api.order(orders[i].id);
    assert.equal(now.comment, `start-${i}`);
    assert.equal(now.version, orders[i].version);
    assert.deepEqual(await outboxTypes(orders[i].id), ['order/created']);
  };
  /** Every order but `except` updated once to the comment `${prefix}-${i}`, with its answer, history and event. */
  const assertAppliedExcept = async (orders: Order[], results: Gql[], except: number, prefix: string) => {
    for (const [i, o] of orders.entries()) {
      if (i === except) continue;
      accepted(results[i]);
      const now = await t.api.order(o.id);
      assert.equal(now.comment, `${prefix}-${i}`);
      assert.equal(now.version, o.version + 1);
      assert.equal(now.events!.at(-1)!.action, 'updated');
      assert.deepEqual(await outboxTypes(o.id), ['order/created', 'order/updated']);
    }
  };

  test('a burst over many orders: every change applied with its own version, history, request and event', async () => {
    const orders = await createOrders(ORDERS);
    const results = await Promise.all(orders.map((o, i) => t.api.tryUpdate({ id: o.id, comment: `burst-${i}`, expectedVersion: o.version })));
    const requests = results.map(accepted);
    // Changes of one batch share its time. On PostgreSQL a batch takes round trips, so with 24 sent at once some
    // must have arrived during one and been applied together (SQLite may finish each before the next arrives).
    if (server.dbKind === 'postgres') assert.ok(new Set(requests.map((r) => r.createdAt)).size < ORDERS, 'no two changes of the burst shared a batch');
    const requestIds = new Set<string>();
    for (const [i, o] of orders.entries()) {
      assert.equal(requests[i].orderId, o.id);
      assert.deepEqual(await t.api.request(requests[i].id), requests[i]);
      const now = await t.api.order(o.id);
      assert.equal(now.comment, `burst-${i}`);
      assert.equal(now.version, o.version + 1);
      const last = now.events!.at(-1)!;
      assert.equal(last.action, 'updated');
      assert.deepEqual(last.changes, [{ field: 'comment', from: `start-${i}`, to: `burst-${i}` }]);
      assert.equal(last.clientId, t.merchantClient.client_id);
      assert.ok(last.requestId);
      requestIds.add(last.requestId);
      assert.deepEqual(await outboxTypes(o.id), ['order/created', 'order/updated']);
    }
    assert.equal(requestIds.size, ORDERS, 'each history row names its own request');
  });

  test('a stale expectedVersion in a burst is refused alone; the rest commit', async () => {
    const orders = await createOrders(8);
    const results = await Promise.all(
      orders.map((o, i) => t.api.tryUpdate({ id: o.id, comment: `stale-${i}`, expectedVersion: i === 3 ? o.version + 5 : o.version })),
    );
    const refused = results[3].body.errors?.[0];
    assert.equal(refused?.extensions?.code, 'VERSION_CONFLICT', JSON.stringify(results[3].body));
    await assertUntouched(orders, 3);
    const rows = await db.query<{ n: number }>('SELECT count(*) AS n FROM dispatchable_requests WHERE order_id = $1', [orders[3].id]);
    assert.equal(Number(rows[0].n), 0, 'a refused change leaves no request');
    await assertAppliedExcept(orders, results, 3, 'stale');
  });

  test('two updates of one order in a burst both apply, one after the other', async () => {
    const orders = await createOrders(6);
    const [x] = orders;
    const results = await Promise.all([
      t.api.tryUpdate({ id: x.id, comment: 'first' }),
      ...orders.slice(1).map((o, i) => t.api.tryUpdate({ id: o.id, comment: `other-${i}` })),
      t.api.tryUpdate({ id: x.id, priority: 'HIGH', comment: 'second' }),
    ]);
    results.forEach(accepted);
    const now = await t.api.order(x.id);
    assert.equal(now.version, x.version + 2);
    const [a, b] = now.events!.slice(-2);
    assert.equal(a.action, 'updated');
    assert.equal(b.action, 'updated');
    // Whichever arrived first applied first: the second's history starts from the first's value.
    assert.equal(b.changes.find((c) => c.field === 'comment')?.from, a.changes.find((c) => c.field === 'comment')?.to);
    assert.equal(now.comment, b.changes.find((c) => c.field === 'comment')?.to);
    assert.equal(now.priority, 'HIGH');
    assert.deepEqual(await outboxTypes(x.id), ['order/created', 'order/updated', 'order/updated']);
  });

  test('a change that fails unexpectedly fails alone; the others commit', async () => {
    const postgres = server.dbKind === 'postgres';
    if (postgres) {
      await db.query(`CREATE FUNCTION og_test_boom() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN IF NEW.comment = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $f$`);
      await db.query('CREATE TRIGGER og_test_boom BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION og_test_boom()');
    } else {
      await db.query(`CREATE TRIGGER og_test_boom BEFORE UPDATE ON orders WHEN NEW.comment = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`);
    }
    try {
      const orders = await createOrders(8);
      const results = await Promise.all(orders.map((o, i) => t.api.tryUpdate({ id: o.id, comment: i === 5 ? 'boom' : `ok-${i}` })));
      assert.ok(results[5].body.errors?.length, JSON.stringify(results[5].body));
      await assertUntouched(orders, 5);
      await assertAppliedExcept(orders, results, 5, 'ok');
    } finally {
      await db.query(`DROP TRIGGER og_test_boom${postgres ? ' ON orders' : ''}`);
    }
  });

  test('an order whose stored data cannot be read fails alone, with a request id; the others commit once each', async () => {
    // A corrupt `delivery` (written behind the API's back) throws while the change is applied, with the change in
    // hand: its batch rolls back and runs again without it, and it gets its own answer on its own path.
    const orders = await createOrders(12);
    const broken = 5;
    await db.query('UPDATE orders SET delivery = $1 WHERE id = $2', ['{not json', orders[broken].id]);
    const results = await Promise.all(orders.map((o, i) => t.api.tryUpdate({ id: o.id, comment: `read-${i}`, delivery: { city: `City ${i}` } })));
    const failure = results[broken].body.errors?.[0];
    assert.equal(failure?.extensions?.code, 'INTERNAL_SERVER_ERROR', JSON.stringify(results[broken].body));
    assert.match(String(failure?.extensions?.requestId), /\S/, 'the answer names its request');
    assert.doesNotMatch(JSON.stringify(failure), /JSON|SyntaxError|at /, 'the client sees no internals');
    const [row] = await db.query<{ comment: string; version: number }>('SELECT comment, version FROM orders WHERE id = $1', [orders[broken].id]);
    assert.deepEqual({ comment: row.comment, version: Number(row.version) }, { comment: `start-${broken}`, version: orders[broken].version });
    assert.deepEqual(await outboxTypes(orders[broken].id), ['order/created']);
    await assertAppliedExcept(orders, results, broken, 'read');
    for (const [i, o] of orders.entries()) if (i !== broken) assert.equal((await t.api.order(o.id)).delivery?.city, `City ${i}`);
    if (server.dbKind === 'postgres') {
      // Rows written by one transaction share its xmin: had the batch given up on every change, each would differ.
      const others = orders.filter((_, i) => i !== broken).map((o) => o.id);
      const rows = await db.query<{ xid: string }>('SELECT xmin::text AS xid FROM orders WHERE id = ANY($1)', [others]);
      assert.ok(new Set(rows.map((r) => r.xid)).size < others.length, 'the others still shared a batch');
    }
  });

  test('a subscribed webhook gets each order of a burst as changed, lines included', async () => {
    const other = await createTenant(server);
    receiver = await subscribeReceiver(server, other.merchant.id, ['order/updated']);
    const orders: Order[] = [];
    for (let i = 0; i < 8; i++) orders.push(await other.api.create(orderInput({ comment: `hooked-${i}` })));
    const results = await Promise.all(orders.map((o, i) => other.api.tryUpdate({ id: o.id, comment: `hooked-${i}-x` })));
    results.forEach(accepted);
    for (const [i, o] of orders.entries()) {
      const [event] = await db.query<{ payload: string }>("SELECT payload FROM outbox_events WHERE order_id = $1 AND type = 'order/updated'", [o.id]);
      const body = JSON.parse(event.payload) as Order;
      assert.equal(body.id, o.id);
      assert.equal(body.comment, `hooked-${i}-x`);
      assert.equal(body.version, o.version + 1);
      assert.deepEqual(body.lines.map((l) => l.sku), o.lines.map((l) => l.sku));
    }
  });
});
