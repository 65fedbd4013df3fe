/**
 * Orders API `orderCreate` over real HTTP (SPEC §4): DRAFT by default with every input field kept; `state: OPENED`
 * routed to the merchant's default supplier (or an explicit `supplierId`) at status 1 Received with ACCEPTED
 * lines; an OPENED create with no supplier at all is BAD_USER_INPUT naming `supplierId` and creates nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createTenant, eventsOf, changesOf, expectGraphQLError, orderInput, uniqueRef, UUID, type Tenant } from '../support/orders-api.ts';

describe('orderCreate', () => {
  let server: TestServer;
  let t: Tenant;
  let noDefault: Tenant;

  before(async () => {
    server = await startServer();
    [t, noDefault] = await Promise.all([createTenant(server), createTenant(server, { defaultSupplier: false })]);
    // A merchant without a default supplier routes only to suppliers an admin connected to it.
    await server.cli(['org', 'connect', '--merchant', noDefault.merchant.id, '--supplier', noDefault.supplier.id, '--json']);
  });
  after(() => server?.stop());

  test('creates a DRAFT order by default, keeping every field given', async () => {
    const input = orderInput();
    const order = await t.api.create(input);
    assert.match(order.id, UUID);
    assert.ok(Number.isInteger(order.number) && order.number > 0);
    assert.equal(order.organizationId, t.merchant.id);
    assert.equal(order.state, 'DRAFT');
    assert.equal(order.status, 0);
    assert.equal(order.statusName, 'Draft');
    assert.equal(order.supplierId, null, 'a DRAFT order is not routed yet');
    assert.equal(order.version, 1);
    assert.equal(order.locked, false);
    for (const f of ['externalReference', 'invoiceNumber', 'type', 'dispatchingType', 'priority', 'inventoryPolicy', 'total', 'totalTaxInclusive', 'totalShipping', 'currency', 'issuedAt', 'comment'] as const) {
      assert.deepEqual(order[f], input[f], f);
    }
    assert.deepEqual(order.delivery, input.delivery);
    assert.equal(order.lines.length, 1);
    const { id: lineId, status, ...line } = order.lines[0];
    assert.ok(lineId);
    assert.equal(status, 'PENDING');
    assert.deepEqual(line, (input.lines as unknown[])[0]);
    assert.equal(order.shippingCarrier, null);
    assert.ok(!Number.isNaN(Date.parse(order.createdAt)) && !Number.isNaN(Date.parse(order.updatedAt)));

    const read = await t.api.order(order.id);
    const { events, ...readBack } = read;
    assert.deepEqual(readBack, order, 'the order reads back as created');
    assert.equal(events!.length, 1);
    assert.equal(events![0].action, 'created');
    assert.equal(events![0].clientId, t.merchantClient.client_id);
    assert.deepEqual(changesOf(events![0]).state, { from: null, to: 'DRAFT' });
  });

  test('an explicit state: DRAFT is the same as the default', async () => {
    const order = await t.api.create(orderInput({ state: 'DRAFT' }));
    assert.equal(order.state, 'DRAFT');
    assert.equal(order.status, 0);
  });

  test('a minimal order needs only one line', async () => {
    const order = await t.api.create({ lines: [{ quantity: 1 }] });
    assert.equal(order.state, 'DRAFT');
    assert.equal(order.externalReference, null);
    assert.equal(order.delivery, null);
    assert.deepEqual(
      order.lines.map(({ id: _id, ...l }) => l),
      [{ sku: null, label: null, quantity: 1, price: null, vatRate: null, status: 'PENDING' }],
    );
  });

  test('several lines keep their order', async () => {
    const lines = [1, 2, 3, 4, 5].map((n) => ({ sku: `SKU-${n}`, label: `Item ${n}`, quantity: n, price: n * 1.5, vatRate: 5.5 }));
    const order = await t.api.create(orderInput({ lines }));
    assert.deepEqual(order.lines.map(({ id: _id, status: _s, ...l }) => l), lines);
    assert.equal(new Set(order.lines.map((l) => l.id)).size, 5, 'line ids are distinct');
  });

  test('state: OPENED routes the order to the merchant\'s default supplier at status 1 Received', async () => {
    const order = await t.api.create(orderInput({ state: 'OPENED' }));
    assert.equal(order.state, 'OPENED');
    assert.equal(order.status, 1);
    assert.equal(order.statusName, 'Received');
    assert.equal(order.supplierId, t.supplier.id);
    assert.ok(order.lines.every((l) => l.status === 'ACCEPTED'), JSON.stringify(order.lines));

    const read = await t.api.order(order.id);
    assert.equal(read.state, 'OPENED');
    assert.deepEqual(
      read.events!.map((e) => e.action),
      ['created', 'opened'],
    );
    const opened = eventsOf(read, 'opened')[0];
    assert.equal(opened.clientId, t.merchantClient.client_id);
    const changes = changesOf(opened);
    assert.deepEqual(changes.state, { from: 'DRAFT', to: 'OPENED' });
    assert.deepEqual(changes.status, { from: 0, to: 1 });
    assert.deepEqual(changes.supplierId, { from: null, to: t.supplier.id });
  });

  test('state: OPENED with an explicit supplierId routes to that supplier even without a default', async () => {
    const order = await noDefault.api.create(orderInput({ state: 'OPENED', supplierId: noDefault.supplier.id }));
    assert.equal(order.state, 'OPENED');
    assert.equal(order.supplierId, noDefault.supplier.id);
    assert.equal(order.status, 1);
  });

  test('a supplierId given on a DRAFT create is kept for when the order opens', async () => {
    const order = await noDefault.api.create(orderInput({ supplierId: noDefault.supplier.id }));
    assert.equal(order.state, 'DRAFT');
    assert.equal(order.supplierId, noDefault.supplier.id);
  });

  test('state: OPENED with no supplier anywhere is BAD_USER_INPUT naming supplierId, and creates nothing', async () => {
    const ref = uniqueRef('NOSUP');
    const r = await noDefault.api.tryCreate(orderInput({ state: 'OPENED', externalReference: ref }));
    expectGraphQLError(r, 'BAD_USER_INPUT', ['supplierId'], { field: 'orderCreate' });
    expectGraphQLError(await noDefault.api.tryOrderByRef(ref), 'NOT_FOUND', [], { field: 'order' });
    // The merchant can still create it as a DRAFT with the same reference: the failed create left no trace.
    const draft = await noDefault.api.create(orderInput({ externalReference: ref }));
    assert.equal(draft.state, 'DRAFT');
  });

  test('a supplierId that is not a supplier is NOT_FOUND, like an unknown one', async () => {
    const r = await t.api.tryCreate(orderInput({ supplierId: t.merchant.id }));
    const e = expectGraphQLError(r, 'NOT_FOUND', ['supplierId'], { field: 'orderCreate' });
    assert.equal(e.message, `\`supplierId\`: supplier "${t.merchant.id}" was not found`);
  });

  test('an unknown supplierId is NOT_FOUND with a message naming supplierId', async () => {
    const r = await t.api.tryCreate(orderInput({ supplierId: '00000000-0000-4000-8000-00000000cafe' }));
    const e = expectGraphQLError(r, 'NOT_FOUND', [], { field: 'orderCreate' });
    assert.match(e.message, /supplierId/, `the message should name the field (SPEC §7): ${e.message}`);
  });

  test('state: COMPLETED is refused on create', async () => {
    const r = await t.api.tryCreate(orderInput({ state: 'COMPLETED' }));
    expectGraphQLError(r, 'BAD_USER_INPUT', ['state'], { field: 'orderCreate' });
  });

  test('order numbers are distinct integers', async () => {
    const orders = await Promise.all(Array.from({ length: 10 }, () => t.api.create(orderInput())));
    const numbers = orders.map((o) => o.number);
    assert.equal(new Set(numbers).size, numbers.length, `duplicate numbers: ${numbers}`);
    assert.ok(numbers.every((n) => Number.isInteger(n) && n > 0));
  });
});
