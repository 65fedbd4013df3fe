/**
 * Acknowledged ⇒ durable (DESIGN rule 2): a burst of synchronous `orderUpdate`s of DRAFT orders (each answered
 * ACCEPTED in the transaction that changes the order) is cut by SIGKILLing the server. After a restart, every
 * update answered ACCEPTED is there, with its history row, request row and `order/updated` outbox event; an update
 * in flight at the kill either landed whole or not at all; and each order's version matches its history.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { subscribeReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { openDirectDb, type DirectDb } from '../support/direct-db.ts';
import { pollUntil } from '../support/poll.ts';
import {
  createOrder,
  createOrderParties,
  getOrder,
  mapLimit,
  orderUpdateRaw,
  updateOrder,
  type OrderParties,
  type OrderSnapshot,
} from '../support/order-fixtures.ts';

const ORDERS = 24;
/** Kill once this many updates were acknowledged (bounded: each lane also stops at MAX_PER_ORDER). */
const KILL_AFTER_ACKED = 400;
const MAX_PER_ORDER = 200;

interface Lane {
  order: OrderSnapshot;
  /** Sequence numbers answered ACCEPTED, in order (1, 2, ...). */
  acked: number[];
  /** The sequence number sent when the connection failed (it may or may not have landed). */
  inFlight?: number;
  /** Answers that were neither ACCEPTED nor a dropped connection. */
  unexpected: string[];
}

const commentOf = (order: OrderSnapshot, seq: number) => `burst o${order.number} #${seq}`;

describe('durability: the server SIGKILLed during a burst of DRAFT updates', { timeout: 600_000 }, () => {
  let server: TestServer;
  let db: DirectDb;
  let parties: OrderParties;
  let receiver: WebhookReceiver | undefined;

  before(async () => {
    server = await startServer({ env: { ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    db = await openDirectDb(server);
    parties = await createOrderParties(server);
    // The outbox stores only subscribed events, and this test counts them.
    receiver = await subscribeReceiver(server, parties.merchant.id, ['order/updated']);
  });
  after(async () => {
    await db?.close();
    await receiver?.stop();
    await server?.stop();
  });

  it('keeps every acknowledged update after a restart, and versions match histories', async (t) => {
    const { url } = server;
    const token = parties.merchantToken;
    const orders = await mapLimit(
      Array.from({ length: ORDERS }, (_, i) => i),
      8,
      (i) => createOrder(url, token, { externalReference: `burst-${i}` }),
    );
    for (const o of orders) assert.equal(o.state, 'DRAFT');

    // One lane per order, each sending its updates one after another until the connection fails.
    const lanes: Lane[] = orders.map((order) => ({ order, acked: [], unexpected: [] }));
    let acked = 0;
    const runLane = async (lane: Lane) => {
      for (let seq = 1; seq <= MAX_PER_ORDER; seq++) {
        let r;
        try {
          r = await orderUpdateRaw(url, token, { id: lane.order.id, comment: commentOf(lane.order, seq), invoiceNumber: `INV-${seq}` });
        } catch {
          lane.inFlight = seq; // fetch failed: connection refused or reset by the kill
          return;
        }
        const request = r.body?.data?.orderUpdate;
        if (r.status === 200 && request?.state === 'ACCEPTED' && !r.body.errors) {
          lane.acked.push(seq);
          acked++;
        } else {
          lane.unexpected.push(`#${seq}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
          return;
        }
      }
    };
    const running = Promise.all(lanes.map(runLane));
    await pollUntil(() => acked >= KILL_AFTER_ACKED || undefined, {
      timeoutMs: 120_000,
      intervalMs: 5,
      message: `${KILL_AFTER_ACKED} updates acknowledged`,
    });
    const exit = await server.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');
    await running;
    const ackedAtKill = acked;
    t.diagnostic(`acknowledged before the kill: ${ackedAtKill}; lanes cut mid-request: ${lanes.filter((l) => l.inFlight).length}`);
    assert.deepEqual(lanes.flatMap((l) => l.unexpected), [], 'every update before the kill was answered ACCEPTED');
    assert.ok(
      lanes.some((l) => l.inFlight !== undefined),
      'the kill cut the burst (some lane was still sending); raise MAX_PER_ORDER',
    );

    await server.restart();

    let landedInFlight = 0;
    for (const lane of lanes) {
      const { order } = lane;
      const label = `order ${order.number}`;
      const a = lane.acked.length;
      assert.deepEqual(lane.acked, Array.from({ length: a }, (_, i) => i + 1), `${label}: lanes are sequential`);
      const now = await getOrder(url, token, order.id);
      const updates = now.events.filter((e) => e.action === 'updated');
      assert.deepEqual(
        now.events.map((e) => e.action),
        ['created', ...updates.map(() => 'updated')],
        `${label}: history is the creation and its updates`,
      );
      assert.equal(now.version, now.events.length, `${label}: version ${now.version} matches ${now.events.length} history events`);
      const comments = updates.map((e) => e.changes.find((c) => c.field === 'comment')?.to);
      // Every acknowledged update is there, in order; at most the one in flight at the kill landed after them.
      const landed = comments.length;
      assert.ok(
        landed === a || (landed === a + 1 && lane.inFlight === a + 1),
        `${label}: ${a} acknowledged, in flight #${lane.inFlight}, but ${landed} updates in history`,
      );
      if (landed === a + 1) landedInFlight++;
      assert.deepEqual(
        comments,
        Array.from({ length: landed }, (_, i) => commentOf(order, i + 1)),
        `${label}: the history holds exactly the updates sent, in order`,
      );
      assert.equal(now.comment, landed ? commentOf(order, landed) : null, `${label}: the order shows its last update`);
      assert.equal(now.version, 1 + landed, `${label}: version = 1 (created) + ${landed} updates`);

      // The change's consequences landed with it (one transaction): its request row and its outbox event.
      const [req] = await db.query<{ n: number | string; accepted: number | string }>(
        `SELECT count(*) AS n, sum(CASE WHEN state = 'ACCEPTED' THEN 1 ELSE 0 END) AS accepted FROM dispatchable_requests WHERE order_id = $1`,
        [order.id],
      );
      assert.equal(Number(req.n), landed, `${label}: one dispatchable request per update that landed`);
      assert.equal(Number(req.accepted), landed, `${label}: all of them ACCEPTED`);
      const [ev] = await db.query<{ n: number | string }>(
        `SELECT count(*) AS n FROM outbox_events WHERE order_id = $1 AND type = 'order/updated'`,
        [order.id],
      );
      assert.equal(Number(ev.n), landed, `${label}: one order/updated outbox event per update that landed`);
    }
    t.diagnostic(`updates in flight at the kill that landed anyway: ${landedInFlight}`);

    // The restarted server takes changes again.
    const order = lanes[0].order;
    const beforeUpdate = await getOrder(url, token, order.id);
    const request = await updateOrder(url, token, { id: order.id, comment: 'after restart', expectedVersion: beforeUpdate.version });
    assert.equal(request.state, 'ACCEPTED', JSON.stringify(request));
    const afterRestart = await getOrder(url, token, order.id);
    assert.equal(afterRestart.version, beforeUpdate.version + 1);
    assert.equal(afterRestart.comment, 'after restart');
  });
});
