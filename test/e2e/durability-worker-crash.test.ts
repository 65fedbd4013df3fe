/**
 * Durability of dispatchable requests across a worker crash (SPEC §1 scale-out, §4; DESIGN rules 2–3): an API-only
 * server (`serve --no-workers`) queues 2,000 PENDING `orderUpdate`s over 100 OPENED orders, a separate
 * `ordergraph worker` is SIGKILLed part-way, a second worker finishes the work. Nothing may be stuck, lost or
 * applied twice: every request ends ACCEPTED, through one job, with one history row and one outcome event.
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
  getDispatchableRequest,
  mapLimit,
  orderUpdateRaw,
  updateOrder,
  type OrderParties,
  type OrderSnapshot,
} from '../support/order-fixtures.ts';
import { auditRequests, describeJobs, formatProblems, requestCounts, waitUntilSettled, type SentUpdate } from '../support/request-audit.ts';

const ORDERS = 100;
const UPDATES_PER_ORDER = 20;
const TOTAL = ORDERS * UPDATES_PER_ORDER;
/** Kill the first worker once this many requests are settled (well short of TOTAL). */
const KILL_AFTER_SETTLED = 150;
/**
 * Jobs the killed worker had claimed stay leased until the lease runs out; the default (60 s) would make this test
 * wait a minute. ORDERGRAPH_JOB_LEASE_MS (src/config.ts → jobLeaseMs) shortens it for this server and its workers.
 */
const LEASE_MS = 3000;
/** Generous: a busy CI box runs many e2e files at once; the waits inside have their own timeouts. */
const SUITE_TIMEOUT_MS = 900_000;
const LIVE_ORDERS = 30;
const LIVE_TOTAL = 600;

describe('durability: a worker SIGKILLed while processing requests', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server: TestServer;
  let db: DirectDb;
  let parties: OrderParties;
  let receiver: WebhookReceiver | undefined;

  before(async () => {
    server = await startServer({ workers: 'none', env: { ORDERGRAPH_JOB_LEASE_MS: String(LEASE_MS), ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true' } });
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

  it('leaves nothing stuck: a new worker settles every request, each applied exactly once', async (t) => {
    const { url } = server;
    const token = parties.merchantToken;

    const orders: OrderSnapshot[] = await mapLimit(
      Array.from({ length: ORDERS }, (_, i) => i),
      8,
      (i) => createOrder(url, token, { state: 'OPENED', externalReference: `crash-${i}` }),
    );
    for (const o of orders) {
      // Created (1) and opened in the same transaction (2).
      assert.equal(o.state, 'OPENED');
      assert.equal(o.version, 2, `a new OPENED order is at version 2 (created + opened): ${JSON.stringify(o)}`);
      assert.deepEqual(o.events.map((e) => e.action), ['created', 'opened']);
    }

    // Round-robin over the orders, so each order's requests are spread over the whole queue.
    const plan = Array.from({ length: TOTAL }, (_, k) => ({ order: orders[k % ORDERS], round: Math.floor(k / ORDERS) }));
    const sent: SentUpdate[] = await mapLimit(plan, 16, async ({ order, round }) => {
      const comment = `crash o${order.number} r${round}`;
      const request = await updateOrder(url, token, { id: order.id, comment, invoiceNumber: `INV-${order.number}-${round}` });
      assert.equal(request.state, 'PENDING', `an update of an OPENED order is PENDING: ${JSON.stringify(request)}`);
      return { requestId: request.id, orderId: order.id, comment };
    });
    assert.deepEqual(await requestCounts(db), { PENDING: TOTAL, ACCEPTED: 0, REJECTED: 0, total: TOTAL }, 'no worker runs yet');

    const first = await server.startWorker();
    const atKill = await pollUntil(
      async () => {
        const c = await requestCounts(db);
        return c.ACCEPTED + c.REJECTED >= KILL_AFTER_SETTLED ? c : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 10, message: `the first worker settled ${KILL_AFTER_SETTLED} requests` },
    );
    const exit = await first.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');

    const afterKill = await requestCounts(db);
    const [held] = await db.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM jobs WHERE kind = 'request.apply' AND state = 'queued' AND locked_by LIKE $1 AND locked_until > $2`,
      [`%:${first.pid}:%`, new Date().toISOString()],
    );
    t.diagnostic(
      `at kill: ${JSON.stringify(atKill)}; after kill: ${JSON.stringify(afterKill)}; jobs still leased to the dead worker: ${held.n}`,
    );
    assert.ok(
      afterKill.PENDING > 0,
      `the first worker settled every request before it could be killed (${JSON.stringify(afterKill)}); raise UPDATES_PER_ORDER`,
    );

    await server.startWorker();
    const final = await waitUntilSettled(db, TOTAL, { timeoutMs: 180_000, diagnose: () => describeJobs(db) });
    assert.equal(final.total, TOTAL, 'no request appeared or vanished');
    assert.equal(final.ACCEPTED, TOTAL, `no update had a reason to be rejected: ${JSON.stringify(final)}`);

    const audit = await auditRequests(db, url, token, sent);
    assert.ok(audit.problems.length === 0, formatProblems(audit.problems));
    for (const o of orders) {
      const now = audit.orders.get(o.id)!;
      assert.equal(now.version, 2 + UPDATES_PER_ORDER, `order ${o.number}: version = created + opened + ${UPDATES_PER_ORDER} updates`);
      assert.equal(now.comment, `crash o${o.number} r${UPDATES_PER_ORDER - 1}`, `order ${o.number} ends with its last update`);
      assert.equal(now.invoiceNumber, `INV-${o.number}-${UPDATES_PER_ORDER - 1}`);
    }

    // Jobs the dead worker held were taken over: claimed again (attempt 2+) by the second worker.
    const takenOver = await db.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM jobs WHERE kind = 'request.apply' AND attempts > 1`,
    );
    t.diagnostic(`jobs claimed more than once: ${takenOver[0].n}`);
    assert.ok(Number(takenOver[0].n) >= Number(held.n), 'every job leased to the dead worker was claimed again');

    // The outcome is readable over the API too.
    for (const s of sent.filter((_, i) => i % 97 === 0)) {
      const request = await getDispatchableRequest(url, token, s.requestId);
      assert.equal(request.state, 'ACCEPTED', JSON.stringify(request));
      assert.equal(request.orderId, s.orderId);
    }
  });

  /*
   * With the API and the worker in separate processes on one database, both write at once: the API must keep
   * answering (no INTERNAL_SERVER_ERROR from a busy database) while the worker applies changes of the same orders.
   */
  it('keeps answering orderUpdate while a separate worker process applies changes of the same orders', async (t) => {
    const { url } = server;
    const token = parties.merchantToken;
    if (!server.workers.some((w) => w.running)) await server.startWorker();
    const orders = await mapLimit(
      Array.from({ length: LIVE_ORDERS }, (_, i) => i),
      8,
      (i) => createOrder(url, token, { state: 'OPENED', externalReference: `live-${i}` }),
    );
    const countsBefore = await requestCounts(db);
    const [{ maxJob }] = await db.query<{ maxJob: number | string | null }>(`SELECT max(id) AS "maxJob" FROM jobs`);
    const failures: string[] = [];
    const sent = (
      await mapLimit(
        Array.from({ length: LIVE_TOTAL }, (_, k) => ({ order: orders[k % LIVE_ORDERS], round: Math.floor(k / LIVE_ORDERS) })),
        16,
        async ({ order, round }): Promise<SentUpdate | undefined> => {
          const comment = `live o${order.number} r${round}`;
          const r = await orderUpdateRaw(url, token, { id: order.id, comment });
          const request = r.body?.data?.orderUpdate;
          if (r.status !== 200 || r.body.errors || request?.state !== 'PENDING') {
            failures.push(`HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
            return undefined;
          }
          return { requestId: request.id, orderId: order.id, comment };
        },
      )
    ).filter((s): s is SentUpdate => s !== undefined);
    await waitUntilSettled(db, countsBefore.total + sent.length, { timeoutMs: 180_000, diagnose: () => describeJobs(db) });
    const audit = await auditRequests(db, url, token, sent);
    const retried = await db.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM jobs WHERE kind = 'request.apply' AND last_error IS NOT NULL AND id > $1`,
      [Number(maxJob ?? 0)],
    );
    t.diagnostic(`${failures.length} of ${LIVE_TOTAL} calls failed; request jobs that hit an error: ${retried[0].n}`);
    assert.ok(audit.problems.length === 0, formatProblems(audit.problems));
    const busy = (server.output().match(/SQLITE_BUSY|database is locked/g) ?? []).length;
    assert.equal(
      failures.length,
      0,
      `${failures.length} of ${LIVE_TOTAL} orderUpdate calls failed while the worker ran` +
        `${busy ? ` (the server log shows ${busy} SQLITE_BUSY / "database is locked" errors)` : ''}, e.g.:\n${failures.slice(0, 3).join('\n')}`,
    );
  });
});
