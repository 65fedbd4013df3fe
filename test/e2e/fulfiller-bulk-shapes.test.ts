/**
 * `updateOrders` reads only an order's status columns when the query selects no other Order field and no webhook
 * could ask for an event body, and whole orders otherwise (src/orders/fulfiller-updates.ts). Both ways must leave
 * the same orders, lines and history behind, answer the same, and write the same event bodies.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { gql } from '../support/graphql.ts';
import { openDirectDb, type DirectDb } from '../support/direct-db.ts';
import { createClient, getToken } from '../support/oauth.ts';
import {
  createFulfillerWorld,
  createOrders,
  expectData,
  FULFILLER_ORDER_FIELDS,
  merchantOrder,
  updateOrders,
  type CreatedOrder,
  type FulfillerWorld,
} from '../support/fulfiller.ts';

const STATUS_ONLY = 'id ref status status_name shipping_carrier shipping_method shipping_tracking';

/** Entries by position in `orders`: the same order twice, a refused move, a shipping-only change, a completion. */
function batches(orders: CreatedOrder[]): Record<string, unknown>[][] {
  const [a, b, c, d] = orders.map((o) => o.number);
  return [
    [
      { id: a, status: 4, shipping_carrier: 'DHL' },
      { id: b, status: 128 },
      { id: c, shipping_tracking: 'T-1' },
      { id: a, status: 8, shipping_method: 'Express' },
      { id: d, status: 513 },
    ],
    [
      { id: b, status: 4 }, // refused: nothing leaves Cancelled
      { id: c, status: 64 },
      { id: d, status: 513, shipping_carrier: null },
      { id: a, shipping_tracking: 'T-2' },
    ],
  ];
}

/** A result with the order replaced by its position, so two sets of orders compare. */
function comparable(result: any, orders: CreatedOrder[]) {
  if (result === null) return null;
  const at = orders.findIndex((o) => o.number === result.id);
  return { ...result, id: at, ref: result.ref === orders[at].id };
}

/** What the merchant sees of an order, without ids and times. */
async function merchantState(w: FulfillerWorld, o: CreatedOrder) {
  const m = await merchantOrder(w.url, w.merchantToken, o.id);
  return {
    state: m.state,
    status: m.status,
    locked: m.locked,
    version: m.version,
    shipping: [m.shippingCarrier, m.shippingMethod, m.shippingTracking],
    lines: m.lines.map((l: any) => l.status),
    events: m.events.map((e: any) => [e.action, e.changes]),
  };
}

describe('Fulfiller API: updateOrders reads whole orders only when needed', () => {
  let server: TestServer;
  let w: FulfillerWorld;
  let db: DirectDb;

  before(async () => {
    server = await startServer({ workers: 'none' });
    w = await createFulfillerWorld(server);
    db = await openDirectDb(server);
  });
  after(async () => {
    await db?.close();
    await server?.stop();
  });

  it('a status-only selection and a whole-order selection apply and answer the same', async () => {
    const lean = await createOrders(w, 4);
    const whole = await createOrders(w, 4);
    const leanBatches = batches(lean);
    const wholeBatches = batches(whole);
    for (let k = 0; k < leanBatches.length; k++) {
      const r1 = await updateOrders(w.url, w.supplierToken, leanBatches[k], STATUS_ONLY);
      const r2 = await updateOrders(w.url, w.supplierToken, wholeBatches[k], FULFILLER_ORDER_FIELDS);
      const fromWhole = r2.body.data.core.updateOrders.map((r: any) => {
        if (r === null) return null;
        const picked: Record<string, unknown> = {};
        for (const f of STATUS_ONLY.split(' ')) picked[f] = r[f];
        return picked;
      });
      assert.deepEqual(
        r1.body.data.core.updateOrders.map((r: any) => comparable(r, lean)),
        fromWhole.map((r: any) => comparable(r, whole)),
        `batch ${k}`,
      );
      const errors = (r: typeof r1) => (r.body.errors ?? []).map((e: any) => [e.path, e.extensions?.code]);
      assert.deepEqual(errors(r1), errors(r2), `batch ${k} errors`);
    }
    for (let i = 0; i < lean.length; i++) {
      assert.deepEqual(await merchantState(w, lean[i]), await merchantState(w, whole[i]), `order ${i}`);
    }
    const cancelled = await merchantState(w, lean[1]);
    assert.deepEqual([cancelled.state, cancelled.lines], ['COMPLETED', ['CANCELED', 'CANCELED']]);
    const dispatched = await merchantState(w, lean[0]);
    assert.deepEqual([dispatched.status, dispatched.locked, dispatched.lines], [8, true, ['FULFILLED', 'FULFILLED']]);
  });

  it('whole-order results show each entry as it was after that entry, fragments included', async () => {
    const [o] = await createOrders(w, 1);
    const r = await gql(
      w.url,
      w.supplierToken,
      `mutation($orders: [OrderInput]) { core { updateOrders(orders: $orders) { id ...Rest } } }
       fragment Rest on Order { status shipping_address_3 items { status } }`,
      { orders: [{ id: o.number, status: 4 }, { id: o.number, status: 128 }] },
      { path: '/fulfiller/graphql' },
    );
    assert.deepEqual(expectData(r).core.updateOrders, [
      { id: o.number, status: 4, shipping_address_3: 'London', items: [{ status: 4 }, { status: 4 }] },
      { id: o.number, status: 128, shipping_address_3: 'London', items: [{ status: 128 }, { status: 128 }] },
    ]);
  });

  it('with a webhook subscribed, a status-only selection still writes whole event bodies', async () => {
    const admin = await createClient(server, { org: w.merchant.id, scopes: 'edit_integrations' });
    const adminToken = await getToken(w.url, admin);
    expectData(
      await gql(w.url, adminToken, 'mutation($i: WebhookInput!) { webhookCreate(input: $i) { id } }', {
        i: { endpoint: 'https://example.com/hooks', events: ['order/status-changed', 'order/completed'] },
      }),
    );
    const [o] = await createOrders(w, 1);
    const before = await merchantOrder(w.url, w.merchantToken, o.id);
    // Every event is recorded for the feed; only the subscribed ones (the merchant's order/status-changed and
    // order/completed) carry a body, and every one of those must carry the whole body. Delivery-order events and
    // other organizations' rows are thin (payload null) by design, so they are left out here.
    const subscribedEvents = `SELECT type, payload FROM outbox_events
      WHERE order_id = $1 AND organization_id = $2 AND type IN ('order/status-changed', 'order/completed') ORDER BY id`;
    const opening = (await db.query(subscribedEvents, [o.id, w.merchant.id])).length;
    const r = await updateOrders(w.url, w.supplierToken, [{ id: o.number, status: 4 }, { id: o.number, status: 8 }], 'id status');
    assert.deepEqual(expectData(r).core.updateOrders, [{ id: o.number, status: 4 }, { id: o.number, status: 8 }]);
    const events = await db.query<{ type: string; payload: string }>(subscribedEvents, [o.id, w.merchant.id]);
    const seen = events.slice(opening).map((e) => {
      const body = JSON.parse(e.payload);
      return [e.type, body.status, body.state, body.locked, body.version - before.version, body.lines.map((l: any) => l.status), body.delivery?.city];
    });
    assert.deepEqual(seen, [
      ['order/status-changed', 4, 'OPENED', true, 1, ['IN_PROGRESS', 'IN_PROGRESS'], 'London'],
      ['order/status-changed', 8, 'COMPLETED', true, 2, ['FULFILLED', 'FULFILLED'], 'London'],
      ['order/completed', 8, 'COMPLETED', true, 2, ['FULFILLED', 'FULFILLED'], 'London'],
    ]);
  });
});
