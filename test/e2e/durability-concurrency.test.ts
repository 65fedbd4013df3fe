/**
 * Concurrency (SPEC §4–5, DESIGN rules 2–3) on a server with its in-process workers: many changes of the same
 * orders at once, from both dialects. Nothing may be lost or applied twice, per-order request order holds, and
 * every order's version equals the length of its history.
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
  fulfillerUpdateOrders,
  getDispatchableRequest,
  mapLimit,
  orderUpdateRaw,
  updateOrder,
  type OrderParties,
} from '../support/order-fixtures.ts';
import { auditRequests, formatProblems, type SentUpdate } from '../support/request-audit.ts';

const PARALLEL = 50;

/** Waits until none of `requestIds` is PENDING. */
async function waitSettled(db: DirectDb, requestIds: string[], timeoutMs = 120_000): Promise<void> {
  const ids = new Set(requestIds);
  await pollUntil(
    async () => {
      const rows = await db.query<{ id: string }>(`SELECT id FROM dispatchable_requests WHERE state = 'PENDING'`);
      return !rows.some((r) => ids.has(r.id));
    },
    { timeoutMs, intervalMs: 50, message: `${ids.size} requests settled` },
  );
}

describe('concurrency: parallel changes of the same orders', { timeout: 600_000 }, () => {
  let server: TestServer;
  let db: DirectDb;
  let parties: OrderParties;
  let receiver: WebhookReceiver | undefined;

  before(async () => {
    server = await startServer({ env: { ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    db = await openDirectDb(server);
    parties = await createOrderParties(server);
    // request-audit.ts counts outcome events in the outbox, which stores only subscribed events.
    receiver = await subscribeReceiver(server, parties.merchant.id, ['request/accepted', 'request/rejected']);
  });
  after(async () => {
    await db?.close();
    await receiver?.stop();
    await server?.stop();
  });

  it(`${PARALLEL} parallel orderUpdates of one OPENED order are each applied once, in request order`, async () => {
    const { url } = server;
    const token = parties.merchantToken;
    const order = await createOrder(url, token, { state: 'OPENED', externalReference: 'hot-order' });
    assert.equal(order.version, 2);

    const sent: SentUpdate[] = await Promise.all(
      Array.from({ length: PARALLEL }, async (_, i) => {
        const comment = `hot #${i}`;
        const request = await updateOrder(url, token, { id: order.id, comment, invoiceNumber: `HOT-${i}`, priority: i % 2 ? 'HIGH' : 'LOW' });
        assert.equal(request.state, 'PENDING', JSON.stringify(request));
        return { requestId: request.id, orderId: order.id, comment };
      }),
    );
    await waitSettled(db, sent.map((s) => s.requestId));

    const audit = await auditRequests(db, url, token, sent);
    assert.ok(audit.problems.length === 0, formatProblems(audit.problems));
    const now = audit.orders.get(order.id)!;
    assert.equal(now.version, 2 + PARALLEL, 'version = created + opened + one per update');
    assert.equal(now.events.length, 2 + PARALLEL);
    for (const s of sent) {
      const request = await getDispatchableRequest(url, token, s.requestId);
      assert.equal(request.state, 'ACCEPTED', JSON.stringify(request));
      assert.equal(request.message, 'Order updated successfully');
    }
  });

  it(`${PARALLEL} parallel fulfiller updateOrders calls interleaved with merchant updates lose nothing`, async () => {
    const { url } = server;
    const token = parties.merchantToken;
    const orders = await mapLimit(
      Array.from({ length: PARALLEL }, (_, i) => i),
      8,
      (i) => createOrder(url, token, { state: 'OPENED', externalReference: `mixed-${i}` }),
    );
    const next = (i: number) => orders[(i + 1) % PARALLEL];
    // Call i moves order i forward (512 Sent to Supplier, or 4 In Production for even i, which locks it) with a
    // tracking number, and sets a carrier on order i+1: every order is in two overlapping batches. Merchant update
    // i changes order i. Every call runs at once.
    const statusOf = (i: number) => (i % 2 === 0 ? 4 : 512);
    const fulfillerCalls = orders.map((o, i) =>
      fulfillerUpdateOrders(url, parties.fulfillerToken, [
        { id: o.number, status: statusOf(i), shipping_tracking: `TRK-${i}` },
        { id: next(i).number, shipping_carrier: `CARRIER-${i}` },
      ]),
    );
    const merchantCalls = orders.map(async (o, i): Promise<SentUpdate> => {
      const comment = `mixed #${i}`;
      const request = await updateOrder(url, token, { id: o.id, comment });
      assert.equal(request.state, 'PENDING', JSON.stringify(request));
      return { requestId: request.id, orderId: o.id, comment };
    });
    const [fulfilled, sent] = await Promise.all([Promise.all(fulfillerCalls), Promise.all(merchantCalls)]);
    fulfilled.forEach((body, i) => {
      assert.equal(body.errors, undefined, `updateOrders call ${i}: ${JSON.stringify(body.errors)}`);
      assert.equal(body.data?.core?.updateOrders?.length, 2, `updateOrders call ${i}: ${JSON.stringify(body)}`);
    });
    await waitSettled(db, sent.map((s) => s.requestId));

    const audit = await auditRequests(db, url, token, sent);
    assert.ok(audit.problems.length === 0, formatProblems(audit.problems));
    orders.forEach((o, i) => {
      const now = audit.orders.get(o.id)!;
      const label = `order ${o.number}`;
      const state = audit.states.get(sent[i].requestId);
      const prev = (i + PARALLEL - 1) % PARALLEL;
      assert.equal(now.status, statusOf(i), `${label}: status from its fulfiller call`);
      assert.equal(now.shippingTracking, `TRK-${i}`, `${label}: tracking from call ${i}`);
      assert.equal(now.shippingCarrier, `CARRIER-${prev}`, `${label}: carrier from call ${prev}`);
      if (statusOf(i) === 512) assert.equal(state, 'ACCEPTED', `${label}: not locked, so the merchant update is accepted`);
      assert.equal(now.comment, state === 'ACCEPTED' ? `mixed #${i}` : null, `${label}: comment iff its update was accepted`);
      const actions = now.events.map((e) => e.action).sort();
      const expected = ['created', 'opened', 'shipping-updated', 'status-changed', ...(state === 'ACCEPTED' ? ['updated'] : [])].sort();
      assert.deepEqual(actions, expected, `${label}: one history event per change`);
      assert.equal(now.version, expected.length, `${label}: version = number of changes`);
    });
    // A merchant update of a locked order was rejected, with the reason.
    for (const s of sent.filter((s) => audit.states.get(s.requestId) === 'REJECTED')) {
      const request = await getDispatchableRequest(url, token, s.requestId);
      assert.match(request.message ?? '', /production has started/, JSON.stringify(request));
    }
  });
  it(`${PARALLEL} parallel orderUpdates with the same expectedVersion: exactly one wins`, async () => {
    const { url } = server;
    const token = parties.merchantToken;
    const order = await createOrder(url, token, { state: 'OPENED', externalReference: 'optimistic-order' });
    assert.equal(order.version, 2);
    // Each call either fails at once with VERSION_CONFLICT (the order already moved on) or is queued PENDING and
    // then settled by the worker, which checks the version again under the order's lock.
    const outcomes = await Promise.all(
      Array.from({ length: PARALLEL }, async (_, i) => {
        const comment = `optimistic #${i}`;
        const r = await orderUpdateRaw(url, token, { id: order.id, comment, expectedVersion: order.version });
        const request = r.body?.data?.orderUpdate;
        if (request) {
          assert.equal(request.state, 'PENDING', JSON.stringify(request));
          return { sent: { requestId: request.id, orderId: order.id, comment } as SentUpdate };
        }
        assert.equal(r.status, 200);
        assert.equal(r.body.errors?.[0]?.extensions?.code, 'VERSION_CONFLICT', `call ${i}: ${JSON.stringify(r.body)}`);
        return { refused: comment };
      }),
    );
    const sent = outcomes.flatMap((o) => (o.sent ? [o.sent] : []));
    assert.ok(sent.length >= 1, 'at least the first call was queued');
    await waitSettled(db, sent.map((s) => s.requestId));

    const audit = await auditRequests(db, url, token, sent);
    assert.ok(audit.problems.length === 0, formatProblems(audit.problems));
    const winners = sent.filter((s) => audit.states.get(s.requestId) === 'ACCEPTED');
    assert.equal(winners.length, 1, `exactly one update applies: ${winners.map((w) => w.comment).join(', ')}`);
    const now = audit.orders.get(order.id)!;
    assert.equal(now.version, 3, 'version = created + opened + the one winner');
    assert.equal(now.comment, winners[0].comment);
    for (const s of sent.filter((s) => s !== winners[0])) {
      const request = await getDispatchableRequest(url, token, s.requestId);
      assert.equal(request.state, 'REJECTED');
      assert.match(request.message ?? '', /VERSION_CONFLICT|version/, JSON.stringify(request));
    }
  });
});
