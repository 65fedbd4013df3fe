/**
 * Scale-out (SPEC §1): two `ordergraph worker` processes on one PostgreSQL claim request jobs with
 * FOR UPDATE SKIP LOCKED; no request may be applied twice or out of order, and both share the work. An API-only
 * server queues 2,000 `orderUpdate`s over 100 OPENED orders: half before the workers start (a backlog they race
 * for), half while they run (claims racing with inserts and NOTIFY wake-ups).
 * PostgreSQL only: on SQLite one process writes at a time, so there is nothing to race.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { subscribeReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { testDbKind } from '../support/test-database.ts';
import { openDirectDb, type DirectDb } from '../support/direct-db.ts';
import { createOrder, createOrderParties, mapLimit, updateOrder, type OrderParties, type OrderSnapshot } from '../support/order-fixtures.ts';
import { startWorkerProcess, stopWorkers } from '../support/worker-process.ts';
import type { OrdergraphProcess } from '../support/ordergraph-process.ts';
import { auditRequests, describeJobs, formatProblems, requestCounts, waitUntilSettled, type SentUpdate } from '../support/request-audit.ts';

const ORDERS = 100;
const UPDATES_PER_ORDER = 20;
const TOTAL = ORDERS * UPDATES_PER_ORDER;
const SHORT_LEASE_ORDERS = 30;
const SHORT_LEASE_TOTAL = 600;
/** Generous: a busy CI box runs many e2e files at once; the waits inside have their own timeouts. */
const SUITE_TIMEOUT_MS = 900_000;
/** Far shorter than a claimed batch of 64 jobs takes to run, so jobs are claimed again while still held. */
const SHORT_LEASE_MS = 200;

const skip =
  testDbKind() === 'postgres'
    ? false
    : 'PostgreSQL only (run with TEST_DB=postgres TEST_DATABASE_URL=...): concurrent workers claim with FOR UPDATE SKIP LOCKED';

describe('durability: two worker processes on one PostgreSQL', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server: TestServer;
  let db: DirectDb;
  let parties: OrderParties;
  let receiver: WebhookReceiver | undefined;
  const extraWorkers: OrdergraphProcess[] = [];

  before(async () => {
    if (skip) return;
    server = await startServer({ workers: 'none', env: { ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    db = await openDirectDb(server);
    parties = await createOrderParties(server);
    // request-audit.ts counts outcome events in the outbox, which stores only subscribed events.
    receiver = await subscribeReceiver(server, parties.merchant.id, ['request/accepted', 'request/rejected']);
  });
  after(async () => {
    await stopWorkers(extraWorkers);
    await db?.close();
    await receiver?.stop();
    await server?.stop();
  });

  it('never applies a request twice, and both workers take part', { skip }, async (t) => {
    const { url } = server;
    const token = parties.merchantToken;
    const orders: OrderSnapshot[] = await mapLimit(
      Array.from({ length: ORDERS }, (_, i) => i),
      8,
      (i) => createOrder(url, token, { state: 'OPENED', externalReference: `pair-${i}` }),
    );
    const plan = Array.from({ length: TOTAL }, (_, k) => ({ order: orders[k % ORDERS], round: Math.floor(k / ORDERS) }));
    const queue = (items: typeof plan) =>
      mapLimit(items, 16, async ({ order, round }): Promise<SentUpdate> => {
        const comment = `pair o${order.number} r${round}`;
        const request = await updateOrder(url, token, { id: order.id, comment, invoiceNumber: `INV-${order.number}-${round}` });
        assert.equal(request.state, 'PENDING', JSON.stringify(request));
        return { requestId: request.id, orderId: order.id, comment };
      });

    const backlog = await queue(plan.slice(0, TOTAL / 2));
    assert.equal((await requestCounts(db)).PENDING, TOTAL / 2, 'no worker runs yet');
    const workers = await Promise.all([server.startWorker(), server.startWorker()]);
    const live = await queue(plan.slice(TOTAL / 2));
    const sent = [...backlog, ...live];

    const final = await waitUntilSettled(db, TOTAL, { timeoutMs: 240_000, diagnose: () => describeJobs(db) });
    assert.equal(final.ACCEPTED, TOTAL, `no update had a reason to be rejected: ${JSON.stringify(final)}`);

    const audit = await auditRequests(db, url, token, sent);
    assert.ok(audit.problems.length === 0, formatProblems(audit.problems));
    for (const o of orders) {
      const now = audit.orders.get(o.id)!;
      assert.equal(now.version, 2 + UPDATES_PER_ORDER, `order ${o.number}: version = created + opened + ${UPDATES_PER_ORDER} updates`);
      assert.equal(now.comment, `pair o${o.number} r${UPDATES_PER_ORDER - 1}`);
    }

    // Who ran what: the last claimer of each job (a job completes without clearing locked_by).
    const share = workers.map((w) => [...audit.jobs.values()].filter((j) => j.lockedBy?.includes(`:${w.pid}:`)).length);
    const reclaimed = [...audit.jobs.values()].filter((j) => j.attempts > 1).length;
    t.diagnostic(`jobs per worker: ${share.join(' / ')} of ${TOTAL}; claimed more than once: ${reclaimed}`);
    assert.equal(share[0] + share[1], TOTAL, 'every job was run by one of the two workers');
    assert.ok(share[0] > 0 && share[1] > 0, `both workers did some of the work (${share.join(' / ')})`);
    const retried = await db.query(
      `SELECT id, attempts, locked_by, last_error FROM jobs WHERE kind = 'request.apply' AND attempts > 1 ORDER BY id LIMIT 5`,
    );
    assert.equal(reclaimed, 0, `no job ran twice: no worker died, no lease ran out, nothing failed: ${JSON.stringify(retried)}`);
  });

  /*
   * DESIGN rule 3: "a claim can run twice". Here it does without a crash: with a lease shorter than a batch takes,
   * jobs still waiting in one worker's batch are claimed again by the other (a stand-in for a worker stalled by a
   * GC pause or a slow database). Running twice must still apply and settle each request once.
   */
  it('applies and settles a request once even when its lease runs out while a worker still holds it', { skip }, async (t) => {
    const { url } = server;
    const token = parties.merchantToken;
    await stopWorkers(server.workers); // the first test's workers: this test uses short-lease ones
    const orders = await mapLimit(
      Array.from({ length: SHORT_LEASE_ORDERS }, (_, i) => i),
      8,
      (i) => createOrder(url, token, { state: 'OPENED', externalReference: `lease-${i}` }),
    );
    const sent = await mapLimit(
      Array.from({ length: SHORT_LEASE_TOTAL }, (_, k) => ({ order: orders[k % SHORT_LEASE_ORDERS], round: Math.floor(k / SHORT_LEASE_ORDERS) })),
      16,
      async ({ order, round }): Promise<SentUpdate> => {
        const comment = `lease o${order.number} r${round}`;
        const request = await updateOrder(url, token, { id: order.id, comment });
        assert.equal(request.state, 'PENDING', JSON.stringify(request));
        return { requestId: request.id, orderId: order.id, comment };
      },
    );
    const env = { ORDERGRAPH_JOB_LEASE_MS: String(SHORT_LEASE_MS) };
    extraWorkers.push(
      ...(await Promise.all([1, 2].map((n) => startWorkerProcess(server, { name: `short-lease worker ${n}`, env })))),
    );
    await waitUntilSettled(db, TOTAL + SHORT_LEASE_TOTAL, { timeoutMs: 240_000, diagnose: () => describeJobs(db) });

    const audit = await auditRequests(db, url, token, sent);
    const reclaimed = [...audit.jobs.values()].filter((j) => j.attempts > 1).length;
    t.diagnostic(`jobs claimed more than once: ${reclaimed} of ${SHORT_LEASE_TOTAL}`);
    assert.ok(audit.problems.length === 0, formatProblems(audit.problems));
    for (const o of orders) {
      const now = audit.orders.get(o.id)!;
      assert.equal(now.version, 2 + SHORT_LEASE_TOTAL / SHORT_LEASE_ORDERS, `order ${o.number}: one version per update`);
    }
  });
});
