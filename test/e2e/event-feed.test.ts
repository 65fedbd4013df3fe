/**
 * The event feed (SPEC §9): `events(after, first, types)` on the Orders API and `core { events(after, limit) }` on
 * the Fulfiller API. Two `serve` processes on one database take 32 concurrent DRAFT `orderUpdate`s for 30 s while
 * a poller follows `events(after)` with the last cursor it saw: every recorded event reaches the poller exactly
 * once, none missing (checked against the outbox table), and one order's events keep their order. On PostgreSQL
 * ids commit out of order under that load, which is what the feed must not be fooled by.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { servesOn, startServer, type TestServer } from '../support/test-server.ts';
import { OrdergraphProcess } from '../support/ordergraph-process.ts';
import { freePort } from '../support/free-port.ts';
import { gql } from '../support/graphql.ts';
import { openDirectDb, type DirectDb } from '../support/direct-db.ts';
import { createOrder, createOrderParties, mapLimit, type OrderParties } from '../support/order-fixtures.ts';
import { sleep } from '../support/poll.ts';

const EVENTS = `query($after: String, $first: Int, $types: [String!]) {
  events(after: $after, first: $first, types: $types) {
    edges { cursor node { cursor header { organizationId messageId webhookId type date } body } }
    pageInfo { hasNextPage endCursor }
  } }`;
const CORE_EVENTS = 'query($after: String, $limit: Int) { core { events(after: $after, limit: $limit) { cursor header { type } body } } }';
const UPDATE = 'mutation($input: OrderInput!) { orderUpdate(input: $input) { state } }';
const LOAD_MS = 30_000;
const IN_FLIGHT = 32;

interface FeedEdge {
  cursor: string;
  node: { cursor: string; header: { organizationId: string; messageId: string; webhookId: null; type: string; date: string }; body: any };
}

async function page(url: string, token: string, vars: Record<string, unknown>) {
  const r = await gql(url, token, EVENTS, vars);
  assert.equal(r.status, 200);
  return r.body as { data?: { events: { edges: FeedEdge[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }; errors?: any[] };
}

function badInput(body: { errors?: any[] }, field: string) {
  assert.equal(body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(body));
  assert.match(body.errors![0].message, new RegExp(`\\b${field.replace(/[[\]]/g, '\\$&')}`), body.errors![0].message);
}

describe('event feed', { timeout: 300_000 }, () => {
  let server: TestServer;
  let second: OrdergraphProcess;
  let secondUrl: string;
  let parties: OrderParties;
  let db: DirectDb;

  before(async () => {
    server = await startServer();
    const port = await freePort();
    secondUrl = `http://127.0.0.1:${port}`;
    second = new OrdergraphProcess('server 2', ['serve'], { ...server.env, PORT: String(port) });
    second.spawn();
    await second.waitUntil(() => servesOn(second, secondUrl), 60_000);
    parties = await createOrderParties(server);
    db = await openDirectDb(server);
  });
  after(async () => {
    await db?.close();
    await second?.stop();
    await server?.stop();
  });

  it('serves the envelope in order, filters by type, and refuses bad arguments naming them', async () => {
    const { url } = server;
    const token = parties.merchantToken;
    const order = await createOrder(url, token, { externalReference: 'feed-basic' });
    const u = await gql(url, token, UPDATE, { input: { id: order.id, comment: 'first' } });
    assert.equal(u.body.data.orderUpdate.state, 'ACCEPTED');

    const all = await page(url, token, {});
    const mine = all.data!.events.edges.filter((e) => e.node.body?.id === order.id);
    assert.deepEqual(mine.map((e) => e.node.header.type), ['order/created', 'order/updated']);
    const [created] = mine;
    assert.equal(created.node.header.organizationId, parties.merchant.id);
    assert.equal(created.node.header.webhookId, null);
    assert.match(created.node.header.messageId, /^evt_\d+$/);
    assert.equal(created.cursor, created.node.cursor);
    // The body is the order when polled: the created event already shows the later comment.
    assert.equal(created.node.body.comment, 'first');
    assert.equal(created.node.body.lines.length, 1);

    const after = await page(url, token, { after: created.cursor });
    assert.equal(after.data!.events.edges[0].node.header.type, 'order/updated');
    const filtered = await page(url, token, { types: ['order/updated'] });
    assert.ok(filtered.data!.events.edges.every((e) => e.node.header.type === 'order/updated'));
    const one = await page(url, token, { first: 1 });
    assert.equal(one.data!.events.edges.length, 1);
    assert.equal(one.data!.events.pageInfo.hasNextPage, true);

    badInput(await page(url, token, { after: 'not-a-cursor' }), 'after');
    badInput(await page(url, token, { first: 0 }), 'first');
    badInput(await page(url, token, { first: 1001 }), 'first');
    badInput(await page(url, token, { types: ['order/updated', 'order/exploded'] }), 'types[1]');
    // Another organization's cursor is refused, not read as one of ours.
    const other = await createOrderParties(server);
    await createOrder(url, other.merchantToken, { externalReference: 'feed-other' });
    const foreign = (await page(url, other.merchantToken, {})).data!.events.edges[0].cursor;
    badInput(await page(url, token, { after: foreign }), 'after');
    // view_orders is needed.
    const denied = await gql(url, parties.fulfillerToken, EVENTS, {});
    assert.equal(denied.body.errors?.[0]?.extensions?.code, 'INSUFFICIENT_SCOPE');

    // The fulfiller dialect: a list of envelopes with cursors; `limit` is checked like `first`.
    const core = await gql(url, parties.fulfillerToken, CORE_EVENTS, { limit: 10 }, { path: '/fulfiller/graphql' });
    assert.ok(Array.isArray(core.body.data.core.events), JSON.stringify(core.body));
    const coreBad = await gql(url, parties.fulfillerToken, CORE_EVENTS, { limit: 5000 }, { path: '/fulfiller/graphql' });
    badInput(coreBad.body, 'limit');
  });

  it('delivers every change exactly once to a poller while two servers take concurrent writes', async (t) => {
    const token = parties.merchantToken;
    const orders = await mapLimit(Array.from({ length: 64 }, (_, i) => i), 8, (i) =>
      createOrder(server.url, token, { externalReference: `feed-load-${i}` }),
    );
    const start = await page(server.url, token, { first: 1000 });
    // Start after everything the first test wrote: follow the feed to its end first.
    let cursor: string | null = null;
    for (let p = start; ; p = await page(server.url, token, { after: cursor, first: 1000 })) {
      cursor = p.data!.events.pageInfo.endCursor ?? cursor;
      if (!p.data!.events.pageInfo.hasNextPage) break;
    }

    const seen = new Map<string, string>(); // messageId → type
    const perOrderIds = new Map<string, number[]>();
    let outOfIdOrder = 0;
    let maxId = 0;
    let duplicates = 0;
    const take = (edges: FeedEdge[]) => {
      for (const e of edges) {
        const id = Number(e.node.header.messageId.slice(4));
        if (seen.has(e.node.header.messageId)) duplicates++;
        seen.set(e.node.header.messageId, e.node.header.type);
        if (id < maxId) outOfIdOrder++;
        maxId = Math.max(maxId, id);
        const orderId = e.node.body?.id;
        if (orderId) perOrderIds.set(orderId, [...(perOrderIds.get(orderId) ?? []), id]);
      }
    };

    let writing = true;
    let accepted = 0;
    let failed = 0;
    const urls = [server.url, secondUrl];
    const writers = Array.from({ length: IN_FLIGHT }, async (_, w) => {
      for (let i = 0; writing; i++) {
        const order = orders[(w * 7 + i) % orders.length];
        const r = await gql(urls[w % 2], token, UPDATE, { input: { id: order.id, comment: `w${w} i${i}` } }).catch(() => undefined);
        if (r?.body?.data?.orderUpdate?.state === 'ACCEPTED') accepted++;
        else failed++;
      }
    });
    const poller = (async () => {
      let n = 0;
      while (writing) {
        const p = await page(urls[n++ % 2], token, { after: cursor, first: 1000 });
        take(p.data!.events.edges);
        cursor = p.data!.events.pageInfo.endCursor ?? cursor;
        if (!p.data!.events.pageInfo.hasNextPage) await sleep(20);
      }
    })();
    // At least 30 s and, load permitting, thousands of changes (bounded: a busy CI box may manage fewer).
    const started = Date.now();
    while (Date.now() - started < LOAD_MS || (accepted < 2000 && Date.now() - started < 4 * LOAD_MS)) await sleep(500);
    writing = false;
    await Promise.all([...writers, poller]);
    // Drain: everything has committed now.
    for (;;) {
      const p = await page(secondUrl, token, { after: cursor, first: 1000 });
      take(p.data!.events.edges);
      cursor = p.data!.events.pageInfo.endCursor ?? cursor;
      if (!p.data!.events.pageInfo.hasNextPage) break;
    }

    const loadOrders = orders.map((o) => o.id);
    const stored = await db.query<{ id: number | string; type: string }>(
      `SELECT id, type FROM outbox_events WHERE organization_id = $1 AND order_id IN (${loadOrders.map((_, i) => `$${i + 2}`).join(', ')})`,
      [parties.merchant.id, ...loadOrders],
    );
    const created = new Set(stored.filter((r) => r.type === 'order/created').map((r) => `evt_${r.id}`));
    const expected = new Set(stored.filter((r) => r.type === 'order/updated').map((r) => `evt_${r.id}`));
    const got = new Set([...seen].filter(([id, type]) => type === 'order/updated' && !created.has(id)).map(([id]) => id));
    t.diagnostic(`${accepted} updates accepted, ${failed} failed, ${seen.size} events polled, ${outOfIdOrder} arrived below a higher id`);
    assert.ok(accepted >= 200, `a sustained load expected, got ${accepted} changes`);
    assert.equal(duplicates, 0, 'no event is seen twice');
    assert.equal(expected.size, accepted, 'one order/updated event is recorded per accepted update');
    const missing = [...expected].filter((id) => !got.has(id));
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} events never reached the poller`);
    assert.equal(got.size, expected.size);
    // One order's events come in the order they happened (their ids were taken under the order's lock).
    for (const [orderId, ids] of perOrderIds) {
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), `events of order ${orderId} out of order`);
    }
  });
});
