/**
 * `Idempotency-Key` on Orders API writes (SPEC §4): a retry with the same key and body returns the first response
 * and changes nothing (no second order, no second request, version unchanged, one event); the same key with
 * another body is HTTP 422; keys belong to one client, so another client's identical key is its own. A replay says
 * so (`Idempotent-Replayed: true`); a key is kept 24 hours, and a key left in flight by a process that died is
 * taken over after a minute (rows are aged in the database itself). A 5xx freeing the key: src/http/idempotency.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, type TestServer } from '../support/test-server.ts';
import { openDirectDb, type DirectDb } from '../support/direct-db.ts';
import { createClient, getToken } from '../support/oauth.ts';
import {
  createTenant,
  dataOf,
  eventsOf,
  orderInput,
  OrdersApi,
  uniqueRef,
  type DispatchableRequest,
  type Order,
  type Tenant,
} from '../support/orders-api.ts';
import { MERCHANT_SCOPES } from '../support/scopes.ts';

const key = () => `key-${randomUUID()}`;
const MINUTE = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe('Idempotency-Key', () => {
  let server: TestServer;
  let t: Tenant;
  /** A second client of the same merchant. */
  let sibling: OrdersApi;
  let db: DirectDb;

  before(async () => {
    server = await startServer();
    t = await createTenant(server);
    const client = await createClient(server, { org: t.merchant.id, scopes: MERCHANT_SCOPES });
    sibling = new OrdersApi(server.url, await getToken(server.url, client));
    db = await openDirectDb(server);
  });
  after(async () => {
    await db?.close();
    await server?.stop();
  });

  /**
   * Rewrites the stored key whose response holds `marker` (a request id: unique to it) as created `age` ms ago,
   * optionally back in flight, as a process that died before storing the response would have left it.
   */
  async function ageKey(marker: string, age: number, inFlight = false): Promise<string> {
    const set = inFlight ? `state = 'in_flight', status_code = NULL, response = NULL, created_at = $1` : 'created_at = $1';
    const found = await db.query<{ n: number }>('SELECT count(*) AS n FROM idempotency_keys WHERE response LIKE $1', [`%${marker}%`]);
    assert.equal(Number(found[0].n), 1, `one stored key answers ${marker}`);
    const createdAt = ago(age);
    await db.query(`UPDATE idempotency_keys SET ${set} WHERE response LIKE $2`, [createdAt, `%${marker}%`]);
    return createdAt;
  }

  test('a replay carries `Idempotent-Replayed: true`; the first answer does not', async () => {
    const order = await t.api.create(orderInput());
    const k = key();
    const input = { id: order.id, comment: 'header' };
    const first = await t.api.tryUpdate(input, { 'Idempotency-Key': k });
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const retry = await t.api.tryUpdate(input, { 'Idempotency-Key': k });
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(retry.body, first.body);
    const unkeyed = await t.api.tryUpdate({ id: order.id, comment: 'no key' });
    assert.equal(unkeyed.headers.get('idempotent-replayed'), null);
  });

  test('a key is kept 24 hours: just under, another body is still 422; past it, the key is free again', async () => {
    const order = await t.api.create(orderInput({ comment: 'before' }));
    const k = key();
    const first = dataOf<DispatchableRequest>(await t.api.tryUpdate({ id: order.id, comment: 'day one' }, { 'Idempotency-Key': k }), 'orderUpdate');
    await ageKey(first.id, 24 * 60 * MINUTE - MINUTE);
    const stillHeld = await t.api.tryUpdate({ id: order.id, comment: 'day two' }, { 'Idempotency-Key': k });
    assert.equal(stillHeld.status, 422, JSON.stringify(stillHeld.body));
    assert.equal((await t.api.order(order.id)).comment, 'day one');

    await ageKey(first.id, 24 * 60 * MINUTE + MINUTE);
    const fresh = await t.api.tryUpdate({ id: order.id, comment: 'day two' }, { 'Idempotency-Key': k });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    assert.equal(fresh.headers.get('idempotent-replayed'), null);
    const second = dataOf<DispatchableRequest>(fresh, 'orderUpdate');
    assert.notEqual(second.id, first.id);
    assert.equal(second.state, 'ACCEPTED');
    assert.equal((await t.api.order(order.id)).comment, 'day two');
  });

  test('a key left in flight is 409 while fresh, and taken over once stale (a minute): the retry runs', async () => {
    const order = await t.api.create(orderInput());
    const k = key();
    const input = { id: order.id, comment: 'taken over' };
    const first = dataOf<DispatchableRequest>(await t.api.tryUpdate(input, { 'Idempotency-Key': k }), 'orderUpdate');
    const leftAt = await ageKey(first.id, 0, true); // as if its process died before storing the answer
    const busy = await t.api.tryUpdate(input, { 'Idempotency-Key': k });
    assert.equal(busy.status, 409, JSON.stringify(busy.body));
    assert.match(busy.body.errors?.[0]?.message ?? '', /in progress/);

    await db.query("UPDATE idempotency_keys SET created_at = $1 WHERE state = 'in_flight' AND created_at = $2", [ago(2 * MINUTE), leftAt]);
    const takeover = await t.api.tryUpdate(input, { 'Idempotency-Key': k });
    assert.equal(takeover.status, 200, JSON.stringify(takeover.body));
    assert.equal(takeover.headers.get('idempotent-replayed'), null);
    const ran = dataOf<DispatchableRequest>(takeover, 'orderUpdate');
    assert.notEqual(ran.id, first.id, 'the request ran again under the taken-over key');
    const replay = await t.api.tryUpdate(input, { 'Idempotency-Key': k });
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(dataOf<DispatchableRequest>(replay, 'orderUpdate').id, ran.id);
  });

  test('orderCreate retried with the same key and body returns the same order and creates only one', async () => {
    const k = key();
    const ref = uniqueRef('IDEM');
    // No unique external reference would stop a second create: only the key may.
    const input = orderInput({ externalReference: undefined, comment: ref });
    delete input.externalReference;
    const first = await t.api.tryCreate(input, { 'Idempotency-Key': k });
    const order = dataOf<Order>(first, 'orderCreate');
    const retry = await t.api.tryCreate(input, { 'Idempotency-Key': k });
    assert.equal(retry.status, first.status);
    assert.deepEqual(retry.body, first.body, 'the retry answers the first response');
    const third = await t.api.tryCreate(input, { 'Idempotency-Key': k });
    assert.deepEqual(third.body, first.body);

    const mine = (await t.api.allOrders({}, 100)).nodes.filter((n) => n.id === order.id);
    assert.equal(mine.length, 1);
    const withComment = await Promise.all((await t.api.allOrders({}, 100)).nodes.map((n) => t.api.order(n.id)));
    assert.equal(withComment.filter((o) => o.comment === ref).length, 1, 'exactly one order was created');
  });

  test('orderUpdate of a DRAFT order retried: same request id, version unchanged, one event', async () => {
    const order = await t.api.create(orderInput());
    const k = key();
    const input = { id: order.id, comment: 'once', lines: [{ sku: 'NEW', quantity: 3 }] };
    const first = await t.api.tryUpdate(input, { 'Idempotency-Key': k });
    const req = dataOf<DispatchableRequest>(first, 'orderUpdate');
    assert.equal(req.state, 'ACCEPTED');
    const afterFirst = await t.api.order(order.id);
    assert.equal(afterFirst.version, 2);

    const retry = await t.api.tryUpdate(input, { 'Idempotency-Key': k });
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.body, first.body);
    assert.equal(dataOf<DispatchableRequest>(retry, 'orderUpdate').id, req.id, 'the same request, not a new one');

    const afterRetry = await t.api.order(order.id);
    assert.equal(afterRetry.version, 2);
    assert.equal(eventsOf(afterRetry, 'updated').length, 1);
    assert.deepEqual(afterRetry.lines, afterFirst.lines, 'the lines were not replaced again (same line ids)');
  });

  test('orderUpdate of an OPENED order retried: one PENDING request, applied once', async () => {
    const order = await t.api.create(orderInput({ state: 'OPENED' }));
    const k = key();
    const input = { id: order.id, comment: 'opened once' };
    const first = await t.api.tryUpdate(input, { 'Idempotency-Key': k });
    const req = dataOf<DispatchableRequest>(first, 'orderUpdate');
    assert.equal(req.state, 'PENDING');
    const retry = await t.api.tryUpdate(input, { 'Idempotency-Key': k });
    assert.deepEqual(retry.body, first.body, 'the retry answers the first (PENDING) response');
    assert.equal((await t.api.settled(req.id)).state, 'ACCEPTED');
    const again = await t.api.tryUpdate(input, { 'Idempotency-Key': k });
    assert.deepEqual(again.body, first.body, 'still the first response after the request settled');
    const read = await t.api.order(order.id);
    assert.equal(read.version, order.version + 1);
    assert.equal(eventsOf(read, 'updated').length, 1);
  });

  test('orderCancel retried: one request, one cancellation', async () => {
    const order = await t.api.create(orderInput());
    const k = key();
    const first = await t.api.tryCancel(order.id, { 'Idempotency-Key': k });
    const retry = await t.api.tryCancel(order.id, { 'Idempotency-Key': k });
    assert.deepEqual(retry.body, first.body);
    assert.equal(dataOf<DispatchableRequest>(retry, 'orderCancel').state, 'ACCEPTED', 'not REJECTED as a second cancel of a COMPLETED order would be');
    const read = await t.api.order(order.id);
    assert.equal(eventsOf(read, 'cancelled').length, 1);
    assert.equal(read.version, 2);
  });

  test('orderOpen retried: one request', async () => {
    const order = await t.api.create(orderInput());
    const k = key();
    const first = await t.api.tryOpen(order.id, { 'Idempotency-Key': k });
    const req = dataOf<DispatchableRequest>(first, 'orderOpen');
    await t.api.settled(req.id);
    const retry = await t.api.tryOpen(order.id, { 'Idempotency-Key': k });
    assert.deepEqual(retry.body, first.body);
    const read = await t.api.order(order.id);
    assert.equal(eventsOf(read, 'opened').length, 1);
  });

  test('the same key with another body is HTTP 422 and changes nothing', async () => {
    const order = await t.api.create(orderInput({ comment: 'original' }));
    const k = key();
    await t.api.update({ id: order.id, comment: 'first body' }).then(() => undefined); // without a key: unrelated
    const first = await t.api.tryUpdate({ id: order.id, comment: 'keyed body' }, { 'Idempotency-Key': k });
    assert.equal(dataOf<DispatchableRequest>(first, 'orderUpdate').state, 'ACCEPTED');
    const versionAfterFirst = (await t.api.order(order.id)).version;

    const other = await t.api.tryUpdate({ id: order.id, comment: 'another body' }, { 'Idempotency-Key': k });
    assert.equal(other.status, 422, JSON.stringify(other.body));
    const read = await t.api.order(order.id);
    assert.equal(read.comment, 'keyed body');
    assert.equal(read.version, versionAfterFirst);

    // A different mutation under the same key is another body too.
    const cancel = await t.api.tryCancel(order.id, { 'Idempotency-Key': k });
    assert.equal(cancel.status, 422, JSON.stringify(cancel.body));
    assert.equal((await t.api.order(order.id)).state, 'DRAFT');
  });

  test('keys are per client: another client using the same key and body gets its own response', async () => {
    const order = await t.api.create(orderInput({ state: 'OPENED' }));
    const k = key();
    const input = { id: order.id, invoiceNumber: 'INV-SHARED-KEY' };
    const mine = dataOf<DispatchableRequest>(await t.api.tryUpdate(input, { 'Idempotency-Key': k }), 'orderUpdate');
    const theirs = dataOf<DispatchableRequest>(await sibling.tryUpdate(input, { 'Idempotency-Key': k }), 'orderUpdate');
    assert.notEqual(theirs.id, mine.id, "another client's key is not a replay of mine");
    // And another client may use the key with a different body without a 422.
    const k2 = key();
    dataOf(await t.api.tryUpdate({ id: order.id, comment: 'mine' }, { 'Idempotency-Key': k2 }), 'orderUpdate');
    const r = await sibling.tryUpdate({ id: order.id, comment: 'theirs' }, { 'Idempotency-Key': k2 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    dataOf(r, 'orderUpdate');
    await Promise.all([mine, theirs].map((q) => t.api.settled(q.id)));
  });

  test('a new token of the same client is the same client: the key replays', async () => {
    const order = await t.api.create(orderInput({ state: 'OPENED' }));
    const k = key();
    const input = { id: order.id, comment: 'token one' };
    const first = await t.api.tryUpdate(input, { 'Idempotency-Key': k });
    const again = new OrdersApi(server.url, await getToken(server.url, t.merchantClient));
    assert.notEqual(again.token, t.api.token);
    const retry = await again.tryUpdate(input, { 'Idempotency-Key': k });
    assert.deepEqual(retry.body, first.body);
    await t.api.settled(dataOf<DispatchableRequest>(first, 'orderUpdate').id);
    assert.equal(eventsOf(await t.api.order(order.id), 'updated').length, 1);
  });

  test('another client of another organization cannot read my response by reusing my key', async () => {
    const other = await createTenant(server);
    const order = await t.api.create(orderInput());
    const k = key();
    const input = { id: order.id, comment: 'secret' };
    dataOf(await t.api.tryUpdate(input, { 'Idempotency-Key': k }), 'orderUpdate');
    const r = await other.api.tryUpdate(input, { 'Idempotency-Key': k });
    assert.equal(r.status, 200);
    assert.equal(r.body.errors?.[0]?.extensions?.code, 'NOT_FOUND', `not a replay of my response: ${JSON.stringify(r.body)}`);
  });

  test('different keys with the same body are different requests', async () => {
    const order = await t.api.create(orderInput({ state: 'OPENED' }));
    const input = { id: order.id, comment: 'twice' };
    const a = dataOf<DispatchableRequest>(await t.api.tryUpdate(input, { 'Idempotency-Key': key() }), 'orderUpdate');
    const b = dataOf<DispatchableRequest>(await t.api.tryUpdate(input, { 'Idempotency-Key': key() }), 'orderUpdate');
    assert.notEqual(a.id, b.id);
    await Promise.all([a, b].map((q) => t.api.settled(q.id)));
  });

  test('a refused write (validation error) is replayed as the same error', async () => {
    const order = await t.api.create(orderInput());
    const k = key();
    const input = { id: order.id, currency: 'NOPE' };
    const first = await t.api.tryUpdate(input, { 'Idempotency-Key': k });
    assert.equal(first.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const retry = await t.api.tryUpdate(input, { 'Idempotency-Key': k });
    assert.deepEqual(retry.body, first.body);
  });

  test('parallel retries with one key apply the change once', async () => {
    const order = await t.api.create(orderInput());
    const k = key();
    const input = { id: order.id, lines: [{ sku: 'PAR', quantity: 9 }], comment: 'parallel' };
    const results = await Promise.all(Array.from({ length: 8 }, () => t.api.tryUpdate(input, { 'Idempotency-Key': k })));
    const ok = results.filter((r) => r.status === 200 && !r.body.errors);
    assert.ok(ok.length >= 1, `at least one answer: ${JSON.stringify(results.map((r) => [r.status, r.body]))}`);
    for (const r of results) assert.ok(r.status === 200 || r.status === 409, `HTTP ${r.status}: ${JSON.stringify(r.body)}`);
    assert.equal(new Set(ok.map((r) => r.body.data.orderUpdate.id)).size, 1, 'every answer is the same request');
    const read = await t.api.order(order.id);
    assert.equal(read.version, 2);
    assert.equal(eventsOf(read, 'updated').length, 1);
  });
});
