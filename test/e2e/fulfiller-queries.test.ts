/**
 * Reading orders on the Fulfiller API (SPEC §5): `core { order(id) }` and `core { orders(ids, status,
 * updated_since, limit, after_id) }` — fields filled from the merchant order (delivery → shipping address and
 * customer, lines → items), each filter, keyset paging that visits every order exactly once, and the bounds.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { gql } from '../support/graphql.ts';
import { sleep } from '../support/poll.ts';
import {
  allFulfillerOrders,
  assertSingleError,
  createFulfillerWorld,
  createOrder,
  createOrders,
  expectData,
  FULFILLER_ORDER_FIELDS,
  FULFILLER_PATH,
  fulfillerOrder,
  fulfillerOrders,
  merchantOrder,
  updateOrdersOk,
  type CreatedOrder,
  type FulfillerWorld,
} from '../support/fulfiller.ts';

const ids = (list: any[]) => list.map((o) => o.id);
const numbers = (list: CreatedOrder[]) => list.map((o) => o.number);

describe('Fulfiller API: queries', () => {
  let server: TestServer;
  let w: FulfillerWorld;
  let opened: CreatedOrder[]; // 12 OPENED orders
  let drafts: CreatedOrder[]; // 3 DRAFT orders, never visible

  before(async () => {
    server = await startServer();
    w = await createFulfillerWorld(server);
    opened = await createOrders(w, 12, (i) => ({ externalReference: `q-${i}` }), { batchSize: 6, concurrency: 1 });
    drafts = await createOrders(w, 3, (i) => ({ state: 'DRAFT', externalReference: `q-draft-${i}` }));
  });
  after(() => server?.stop());

  it('order(id) fills every field from the merchant order', async () => {
    const order = await createOrder(w, {
      externalReference: 'REF-FIELDS-1',
      issuedAt: '2026-03-01T09:30:00.000Z',
      delivery: {
        type: 'PERSON',
        fullname: 'Grace Hopper',
        email: 'grace@example.com',
        address: '1 Compiler Street',
        addressComplement: 'Building B',
        zipcode: '75001',
        city: 'Paris',
        country: 'FR',
        phone: '+33 1 23 45 67 89',
      },
      lines: [
        { sku: 'POSTER-A2', label: 'Poster A2', quantity: 3, price: 15 },
        { sku: 'FRAME-A2', label: 'Black frame A2', quantity: 1, price: 30 },
      ],
    });
    await updateOrdersOk(w.url, w.supplierToken, [
      { id: order.number, status: 4, shipping_carrier: 'Colissimo', shipping_method: 'Express', shipping_tracking: '6A123' },
    ]);
    const m = await merchantOrder(w.url, w.merchantToken, order.id, 'id createdAt issuedAt lines { id sku label quantity }');
    const o = expectData(await fulfillerOrder(w.url, w.supplierToken, order.number)).core.order;

    assert.equal(o.id, order.number);
    assert.equal(typeof o.ref, 'string');
    assert.ok(o.ref.length > 0);
    assert.equal(o.external_ref, 'REF-FIELDS-1');
    assert.equal(o.status, 4);
    assert.equal(o.status_name, 'In Production');
    assert.equal(o.shipping_carrier, 'Colissimo');
    assert.equal(o.shipping_method, 'Express');
    assert.equal(o.shipping_tracking, '6A123');
    assert.equal(o.shipping_address_1, '1 Compiler Street');
    assert.equal(o.shipping_address_2, 'Building B');
    assert.equal(o.shipping_address_3, 'Paris');
    assert.equal(o.shipping_postcode, '75001');
    assert.equal(o.shipping_country_code, 'FR');
    assert.equal(o.customer_name, 'Grace Hopper');
    assert.equal(o.customer_email, 'grace@example.com');
    assert.equal(o.customer_telephone, '+33 1 23 45 67 89');
    assert.equal(Date.parse(o.sale_datetime), Date.parse('2026-03-01T09:30:00.000Z'), `sale_datetime ${o.sale_datetime}`);
    assert.equal(Date.parse(o.creation_datetime), Date.parse(m.createdAt), `creation_datetime ${o.creation_datetime}`);

    assert.equal(o.items.length, 2);
    o.items.forEach((item: any, i: number) => {
      assert.equal(typeof item.id, 'number', 'item ids are Int');
      assert.equal(item.sku, m.lines[i].sku);
      assert.equal(item.description, m.lines[i].label);
      assert.equal(item.quantity, m.lines[i].quantity);
      assert.equal(item.status, 4);
      assert.equal(item.status_name, 'In Production');
    });
    assert.deepEqual(
      o.items.map((i: any) => [i.sku, i.description, i.quantity]),
      [
        ['POSTER-A2', 'Poster A2', 3],
        ['FRAME-A2', 'Black frame A2', 1],
      ],
    );
    assert.notEqual(o.items[0].id, o.items[1].id);
  });

  it('order(id) of an order without delivery answers nulls, not errors', async () => {
    const bare = await createOrder(w, { delivery: null, externalReference: null });
    const o = expectData(await fulfillerOrder(w.url, w.supplierToken, bare.number)).core.order;
    assert.equal(o.id, bare.number);
    assert.equal(o.external_ref, null);
    for (const f of ['shipping_address_1', 'shipping_address_2', 'shipping_address_3', 'shipping_postcode', 'shipping_country_code', 'customer_name', 'customer_email', 'customer_telephone', 'shipping_carrier']) {
      assert.equal(o[f], null, f);
    }
    assert.equal(o.status, 1);
    assert.equal(o.status_name, 'Received');
  });

  it('order(id) of a cancelled order shows the items cancelled', async () => {
    const o = await createOrder(w);
    await updateOrdersOk(w.url, w.supplierToken, [{ id: o.number, status: 128 }]);
    const seen = expectData(await fulfillerOrder(w.url, w.supplierToken, o.number, 'status status_name items { status status_name }'));
    assert.deepEqual(seen.core.order, {
      status: 128,
      status_name: 'Cancelled',
      items: [
        { status: 128, status_name: 'Cancelled' },
        { status: 128, status_name: 'Cancelled' },
      ],
    });
  });

  it('order(id) of an unknown id is NOT_FOUND at core.order', async () => {
    const r = await fulfillerOrder(w.url, w.supplierToken, 1_999_999_999, 'id');
    assertSingleError(r, { code: 'NOT_FOUND', path: ['core', 'order'] });
  });

  it('orders with the same fields as order(id)', async () => {
    const [first] = opened;
    const list = expectData(await fulfillerOrders(w.url, w.supplierToken, { ids: [first.number] }, FULFILLER_ORDER_FIELDS)).core.orders;
    const one = expectData(await fulfillerOrder(w.url, w.supplierToken, first.number)).core.order;
    assert.deepEqual(list, [one]);
    assert.equal(one.external_ref, 'q-0');
    assert.equal(one.customer_name, 'Ada Lovelace');
    assert.equal(one.shipping_address_1, '12 Analytical Row');
    assert.equal(one.shipping_address_2, 'Flat 3');
    assert.equal(one.shipping_address_3, 'London');
    assert.equal(one.shipping_postcode, 'EC1A 1BB');
    assert.equal(one.shipping_country_code, 'GB');
    assert.equal(one.customer_email, 'ada@example.com');
    assert.equal(one.customer_telephone, '+44 20 7946 0000');
  });

  it('orders(ids) returns exactly the visible ones asked for, by id ascending', async () => {
    const wanted = [opened[5], opened[1], opened[9], drafts[0]];
    const list = expectData(await fulfillerOrders(w.url, w.supplierToken, { ids: numbers(wanted).concat(1_999_999_999) })).core.orders;
    assert.deepEqual(ids(list), numbers([opened[1], opened[5], opened[9]]));
  });

  it('orders never lists DRAFT orders, and lists OPENED and COMPLETED ones', async () => {
    const all = await allFulfillerOrders(w.url, w.supplierToken);
    const listed = new Set(ids(all));
    for (const d of drafts) assert.ok(!listed.has(d.number), `draft ${d.number} listed`);
    for (const o of opened) assert.ok(listed.has(o.number), `opened ${o.number} missing`);
  });

  it('orders(status) filters by one or several statuses', async () => {
    const [a, b, c] = await createOrders(w, 3);
    await updateOrdersOk(w.url, w.supplierToken, [
      { id: a.number, status: 517 },
      { id: b.number, status: 517 },
      { id: c.number, status: 515 },
    ]);
    const only517 = await allFulfillerOrders(w.url, w.supplierToken, { status: [517] });
    assert.deepEqual(ids(only517), numbers([a, b]));
    assert.ok(only517.every((o) => o.status === 517));
    const both = await allFulfillerOrders(w.url, w.supplierToken, { status: [515, 517] });
    assert.deepEqual(ids(both), numbers([a, b, c]));
    const withIds = await allFulfillerOrders(w.url, w.supplierToken, { status: [517], ids: [b.number, c.number] });
    assert.deepEqual(ids(withIds), [b.number]);
    assert.deepEqual(await allFulfillerOrders(w.url, w.supplierToken, { status: [516] }), []);
  });

  it('orders(updated_since) returns the orders changed at or after that time', async () => {
    const batch = await createOrders(w, 4);
    const created = await Promise.all(batch.map((o) => merchantOrder(w.url, w.merchantToken, o.id, 'updatedAt')));
    const lastCreated = Math.max(...created.map((o) => Date.parse(o.updatedAt)));
    // Wait until the clock has moved past the last creation, so "since" separates creation from the update.
    while (Date.now() <= lastCreated + 2) await sleep(5);
    const since = new Date().toISOString();
    while (Date.now() <= Date.parse(since) + 2) await sleep(5);
    await updateOrdersOk(w.url, w.supplierToken, [
      { id: batch[3].number, shipping_tracking: 'late-1' },
      { id: batch[1].number, status: 512 },
    ]);
    const changed = await allFulfillerOrders(w.url, w.supplierToken, { updated_since: since });
    assert.deepEqual(ids(changed), numbers([batch[1], batch[3]]));

    // The same instant in another offset means the same thing.
    const t = new Date(Date.parse(since) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    const offsetSince = t; // local time two hours ahead, with its offset: the same instant
    assert.equal(Date.parse(offsetSince), Date.parse(since));
    assert.deepEqual(ids(await allFulfillerOrders(w.url, w.supplierToken, { updated_since: offsetSince })), numbers([batch[1], batch[3]]));

    // Combined with status.
    assert.deepEqual(ids(await allFulfillerOrders(w.url, w.supplierToken, { updated_since: since, status: [512] })), [batch[1].number]);
    // In the future: nothing.
    assert.deepEqual(await allFulfillerOrders(w.url, w.supplierToken, { updated_since: '2999-01-01T00:00:00Z' }), []);
  });

  it('orders(updated_since) refuses a value that is not a date-time with BAD_USER_INPUT', async () => {
    const r = await fulfillerOrders(w.url, w.supplierToken, { updated_since: 'yesterday' });
    const e = assertSingleError(r, { code: 'BAD_USER_INPUT' });
    assert.match(e.message, /updated_since/);
  });

  it('paging with limit and after_id walks every order exactly once, in id order', async () => {
    const everything = expectData(await fulfillerOrders(w.url, w.supplierToken, { limit: 500 })).core.orders;
    assert.ok(everything.length >= 12 && everything.length < 500, `${everything.length} orders`);
    for (const limit of [1, 3, 5]) {
      const seen: number[] = [];
      let afterId: number | undefined;
      for (let pages = 0; ; pages++) {
        assert.ok(pages <= everything.length + 1, 'paging must end');
        const page = expectData(await fulfillerOrders(w.url, w.supplierToken, { limit, after_id: afterId })).core.orders;
        assert.ok(page.length <= limit, `page of ${page.length} > limit ${limit}`);
        if (page.length === 0) break;
        seen.push(...ids(page));
        afterId = page[page.length - 1].id;
      }
      assert.deepEqual(seen, ids(everything), `limit ${limit}`);
    }
    const sorted = [...ids(everything)].sort((a, b) => a - b);
    assert.deepEqual(ids(everything), sorted, 'ascending by id');
    assert.equal(new Set(ids(everything)).size, everything.length, 'no duplicates');
    // after_id alone skips everything up to and including it.
    const middle = everything[Math.floor(everything.length / 2)].id;
    const rest = expectData(await fulfillerOrders(w.url, w.supplierToken, { after_id: middle, limit: 500 })).core.orders;
    assert.deepEqual(ids(rest), ids(everything).filter((id: number) => id > middle));
  });

  it('orders(ids: []) asks for no order and gets none', async () => {
    // An integration that refreshes "the orders in this list" must not get unrelated orders for an empty list.
    const list = expectData(await fulfillerOrders(w.url, w.supplierToken, { ids: [] })).core.orders;
    assert.deepEqual(list, []);
  });

  it('orders without arguments answers the first page (bounded by the default of 100)', async () => {
    const list = expectData(await gql(w.url, w.supplierToken, '{ core { orders { id } } }', undefined, FULFILLER_PATH)).core.orders;
    const total = (await allFulfillerOrders(w.url, w.supplierToken)).length;
    assert.equal(list.length, Math.min(total, 100));
  });

  it('refuses a limit outside 1..500 with BAD_USER_INPUT naming limit', async () => {
    for (const limit of [0, -1, 501, 100000]) {
      const r = await fulfillerOrders(w.url, w.supplierToken, { limit });
      const e = assertSingleError(r, { code: 'BAD_USER_INPUT' });
      assert.match(e.message, /limit/);
    }
    expectData(await fulfillerOrders(w.url, w.supplierToken, { limit: 500 }));
    expectData(await fulfillerOrders(w.url, w.supplierToken, { limit: 1 }));
  });
});
