/**
 * Orders API queries (SPEC §4): `order(id)`, `order(byExternalReference)`, `orders(first, after, filter)` as a
 * Relay connection with `totalCount` and stable keyset paging (every page walked, nothing duplicated or missing,
 * even with orders created between pages), every filter, and `dispatchableRequest(id)`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createTenant, expectGraphQLError, fulfillerSetStatus, orderInput, uniqueRef, type Order, type Tenant } from '../support/orders-api.ts';

describe('Orders API queries', () => {
  let server: TestServer;
  /** A tenant whose orders are only the ones made in `before`, so counts are exact. */
  let t: Tenant;
  let all: Order[];
  const batchRef = uniqueRef('BATCH');

  before(async () => {
    server = await startServer();
    t = await createTenant(server);
    // 26 orders: created partly in parallel (so several share a createdAt millisecond), with a mix of
    // priorities and states: 0-9 and 22-25 DRAFT, 10-17 OPENED (10-12 sent to the supplier, 512), 18-21 COMPLETED
    // (opened, then cancelled).
    const priorities = ['LOW', 'NORMAL', 'HIGH'];
    all = [];
    for (let batch = 0; batch < 2; batch++) {
      const created = await Promise.all(
        Array.from({ length: 13 }, (_, j) => {
          const i = batch * 13 + j;
          return t.api.create(
            orderInput({ externalReference: `${batchRef}-${String(i).padStart(2, '0')}`, priority: priorities[i % 3], state: i >= 10 && i < 22 ? 'OPENED' : 'DRAFT' }),
          );
        }),
      );
      all.push(...created);
    }
    all.sort((a, b) => a.externalReference!.localeCompare(b.externalReference!));
    await fulfillerSetStatus(server.url, t.supplierToken, all.slice(10, 13).map((o) => o.number), 512);
    await Promise.all(all.slice(18, 22).map(async (o) => t.api.settled((await t.api.cancel(o.id)).id)));
    all = await Promise.all(all.map((o) => t.api.order(o.id)));
  });
  after(() => server?.stop());

  const ids = (nodes: { id: string }[]) => nodes.map((n) => n.id);
  const sorted = (xs: string[]) => [...xs].sort();

  describe('order', () => {
    test('order(id) returns the order with its lines and events', async () => {
      const o = all[0];
      const read = await t.api.order(o.id);
      assert.equal(read.id, o.id);
      assert.equal(read.number, o.number);
      assert.equal(read.externalReference, o.externalReference);
      assert.equal(read.lines.length, 1);
      assert.ok(read.events!.length >= 1);
    });

    test('order(byExternalReference) returns the same order', async () => {
      const o = all[5];
      const byRef = await t.api.orderByRef(o.externalReference!);
      const byId = await t.api.order(o.id);
      assert.deepEqual(byRef, byId);
    });

    test('an unknown id is NOT_FOUND naming it', async () => {
      const missing = '00000000-0000-4000-8000-0000000000aa';
      expectGraphQLError(await t.api.tryOrder(missing), 'NOT_FOUND', [missing], { field: 'order' });
    });

    test('an unknown external reference is NOT_FOUND', async () => {
      const missing = uniqueRef('MISSING');
      expectGraphQLError(await t.api.tryOrderByRef(missing), 'NOT_FOUND', [missing], { field: 'order' });
    });

    test('order() with neither id nor byExternalReference is BAD_USER_INPUT', async () => {
      const r = await t.api.call('{ order { id } }');
      expectGraphQLError(r, 'BAD_USER_INPUT', ['id'], { field: 'order' });
    });

    test('a mutation over GET is refused and changes nothing', async () => {
      const o = all[2];
      const query = `mutation { orderUpdate(input: { id: "${o.id}", comment: "via GET" }) { id state } }`;
      const res = await fetch(`${server.url}/graphql?query=${encodeURIComponent(query)}`, {
        headers: { authorization: `Bearer ${t.api.token}`, accept: 'application/json' },
      });
      const text = await res.text();
      assert.ok(res.status === 405 || res.status === 400, `HTTP ${res.status}: ${text}`);
      assert.equal((await t.api.order(o.id)).comment, o.comment);
    });

    test('order is also readable with GET (GraphQL over HTTP)', async () => {
      const o = all[1];
      const query = `query($id: String) { order(id: $id) { id number } }`;
      const url = `${server.url}/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify({ id: o.id }))}`;
      const res = await fetch(url, { headers: { authorization: `Bearer ${t.api.token}`, accept: 'application/json' } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { data: { order: { id: string; number: number } } };
      assert.deepEqual(body.data.order, { id: o.id, number: o.number });
    });
  });

  describe('orders', () => {
    test('is a Relay connection with totalCount, newest first', async () => {
      const page = await t.api.orders({ first: 100 });
      assert.equal(page.totalCount, all.length);
      assert.equal(page.edges.length, all.length);
      assert.deepEqual(sorted(ids(page.edges.map((e) => e.node))), sorted(ids(all)));
      assert.equal(page.pageInfo.hasNextPage, false);
      assert.equal(page.pageInfo.hasPreviousPage, false);
      for (let i = 1; i < page.edges.length; i++) {
        assert.ok(page.edges[i - 1].node.createdAt >= page.edges[i].node.createdAt, 'newest first');
      }
      assert.equal(new Set(page.edges.map((e) => e.cursor)).size, page.edges.length, 'cursors are distinct');
    });

    test('the default page size is 20', async () => {
      const page = await t.api.orders();
      assert.equal(page.edges.length, 20);
      assert.equal(page.pageInfo.hasNextPage, true);
      assert.equal(page.totalCount, all.length);
    });

    for (const first of [1, 3, 7, 25, 26, 100]) {
      test(`walking every page of ${first} gives every order once, in the same order as one big page`, async () => {
        const walk = await t.api.allOrders({}, first);
        assert.equal(walk.totalCount, all.length);
        assert.equal(walk.nodes.length, all.length, 'nothing missing or extra');
        assert.equal(new Set(ids(walk.nodes)).size, all.length, 'no duplicates');
        assert.equal(walk.pages, Math.max(1, Math.ceil(all.length / first)));
        const big = await t.api.orders({ first: 100 });
        assert.deepEqual(ids(walk.nodes), ids(big.edges.map((e) => e.node)), 'paging is stable');
      });
    }

    test('orders created while paging neither duplicate nor hide the ones already there', async () => {
      const before = ids((await t.api.orders({ first: 100 })).edges.map((e) => e.node));
      const seen: string[] = [];
      let after: string | null = null;
      const extra: Order[] = [];
      for (let i = 0; ; i++) {
        const page = await t.api.orders({ first: 5, after });
        seen.push(...ids(page.edges.map((e) => e.node)));
        if (i < 3) extra.push(await t.api.create(orderInput({ priority: 'LOW' }))); // newer than every cursor
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      assert.equal(new Set(seen).size, seen.length, 'no duplicates');
      for (const id of before) assert.ok(seen.includes(id), `order ${id} was skipped`);
      // Clean up so the exact counts of the other tests hold: cancel the extra orders and filter them out below.
      await Promise.all(extra.map((o) => t.api.cancel(o.id)));
      all.push(...(await Promise.all(extra.map((o) => t.api.order(o.id)))));
    });

    test('first: 0 returns no edges but the totalCount', async () => {
      const page = await t.api.orders({ first: 0 });
      assert.equal(page.edges.length, 0);
      assert.equal(page.totalCount, all.length);
    });

    test('first above the maximum or negative is BAD_USER_INPUT naming first', async () => {
      expectGraphQLError(await t.api.tryOrders({ first: 101 }), 'BAD_USER_INPUT', ['first']);
      expectGraphQLError(await t.api.tryOrders({ first: -1 }), 'BAD_USER_INPUT', ['first']);
    });

    test('a cursor this list did not return is BAD_USER_INPUT naming after', async () => {
      expectGraphQLError(await t.api.tryOrders({ first: 5, after: 'garbage' }), 'BAD_USER_INPUT', ['after']);
      expectGraphQLError(await t.api.tryOrders({ first: 5, after: Buffer.from('[1]').toString('base64url') }), 'BAD_USER_INPUT', ['after']);
    });

    const expectFilter = async (filter: Record<string, unknown>, expected: Order[], first = 4) => {
      const walk = await t.api.allOrders(filter, first);
      assert.equal(walk.totalCount, expected.length, `totalCount for ${JSON.stringify(filter)}`);
      assert.deepEqual(sorted(ids(walk.nodes)), sorted(ids(expected)), `orders for ${JSON.stringify(filter)}`);
    };

    test('filter by state', async () => {
      for (const state of ['DRAFT', 'OPENED', 'COMPLETED']) {
        await expectFilter({ state }, all.filter((o) => o.state === state));
      }
      assert.equal(all.filter((o) => o.state === 'DRAFT').length, 14);
      assert.equal(all.filter((o) => o.state === 'OPENED').length, 8);
    });

    test('filter by status', async () => {
      await expectFilter({ status: 512 }, all.filter((o) => o.status === 512));
      await expectFilter({ status: 1 }, all.filter((o) => o.status === 1));
      await expectFilter({ status: 128 }, all.filter((o) => o.status === 128));
      await expectFilter({ status: 0 }, all.filter((o) => o.status === 0));
      assert.equal(all.filter((o) => o.status === 512).length, 3);
    });

    test('filter by priority', async () => {
      for (const priority of ['LOW', 'NORMAL', 'HIGH']) await expectFilter({ priority }, all.filter((o) => o.priority === priority));
    });

    test('filter by externalReference', async () => {
      await expectFilter({ externalReference: all[7].externalReference }, [all[7]]);
      await expectFilter({ externalReference: uniqueRef('NONE') }, []);
    });

    test('filter by createdAfter and createdBefore (exclusive bounds)', async () => {
      const byTime = [...all].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      const pivot = byTime[Math.floor(byTime.length / 2)].createdAt;
      await expectFilter({ createdAfter: pivot }, all.filter((o) => o.createdAt > pivot));
      await expectFilter({ createdBefore: pivot }, all.filter((o) => o.createdAt < pivot));
      const first = byTime[0].createdAt;
      const last = byTime.at(-1)!.createdAt;
      await expectFilter({ createdAfter: new Date(Date.parse(first) - 1).toISOString(), createdBefore: new Date(Date.parse(last) + 1).toISOString() }, all);
      await expectFilter({ createdAfter: new Date(Date.parse(last) + 1000).toISOString() }, []);
    });

    test('createdAfter accepts any ISO 8601 offset', async () => {
      const byTime = [...all].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      const pivot = new Date(byTime[5].createdAt);
      // The same instant written in UTC+02:00.
      const local = new Date(pivot.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00');
      await expectFilter({ createdAfter: local }, all.filter((o) => o.createdAt > pivot.toISOString()));
    });

    test('a malformed createdAfter is BAD_USER_INPUT', async () => {
      expectGraphQLError(await t.api.tryOrders({ filter: { createdAfter: 'last week' } }), 'BAD_USER_INPUT', [/createdAfter|DateTime|ISO 8601/]);
    });

    test('filters combine (AND) and page correctly', async () => {
      await expectFilter({ state: 'OPENED', priority: 'HIGH' }, all.filter((o) => o.state === 'OPENED' && o.priority === 'HIGH'), 1);
      await expectFilter({ state: 'DRAFT', status: 512 }, []);
      await expectFilter({ state: 'OPENED', status: 512, priority: 'LOW' }, all.filter((o) => o.status === 512 && o.priority === 'LOW'), 1);
    });

    test('an empty organization has an empty connection', async () => {
      const empty = await createTenant(server);
      const page = await empty.api.orders();
      assert.equal(page.totalCount, 0);
      assert.deepEqual(page.edges, []);
      assert.equal(page.pageInfo.hasNextPage, false);
      assert.equal(page.pageInfo.startCursor, null);
      assert.equal(page.pageInfo.endCursor, null);
    });
  });

  describe('dispatchableRequest', () => {
    test('reads a PENDING request and, later, its outcome', async () => {
      const order = all.find((o) => o.state === 'OPENED' && o.status === 1)!;
      const req = await t.api.update({ id: order.id, comment: 'via request' });
      assert.equal(req.state, 'PENDING');
      const read = await t.api.request(req.id);
      assert.equal(read.id, req.id);
      assert.equal(read.type, 'ORDER_UPDATE');
      assert.equal(read.orderId, order.id);
      assert.equal(read.createdAt, req.createdAt);
      assert.ok(['PENDING', 'ACCEPTED'].includes(read.state));
      const settled = await t.api.settled(req.id);
      assert.equal(settled.state, 'ACCEPTED');
      assert.equal(settled.message, 'Order updated successfully');
      assert.ok(settled.completedAt && settled.completedAt >= settled.createdAt);
    });

    test('reads synchronous (ACCEPTED, REJECTED) requests too', async () => {
      const draft = all.find((o) => o.state === 'DRAFT')!;
      const accepted = await t.api.update({ id: draft.id, invoiceNumber: 'INV-Q' });
      assert.deepEqual(await t.api.request(accepted.id), accepted);
      const completed = all.find((o) => o.state === 'COMPLETED')!;
      const rejected = await t.api.update({ id: completed.id, comment: 'no' });
      assert.equal(rejected.state, 'REJECTED');
      assert.deepEqual(await t.api.request(rejected.id), rejected);
    });

    test('an unknown id is NOT_FOUND naming it', async () => {
      const missing = '00000000-0000-4000-8000-0000000000bb';
      expectGraphQLError(await t.api.tryRequest(missing), 'NOT_FOUND', [missing], { field: 'dispatchableRequest' });
    });
  });
});
