/**
 * The Fulfiller API (SPEC §5) from the fulfiller's first call to the merchant's view of the result: the KornitX
 * seed page's `updateOrders` example exactly as written (form-encoded token request with the credentials in the
 * body, then the mutation), and the whole story across both dialects — the merchant opens an order, the
 * fulfiller starts production, the merchant's change is refused, the fulfiller dispatches, the merchant sees it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { oauthPost } from '../support/oauth.ts';
import { gql } from '../support/graphql.ts';
import { readResponse } from '../support/http-response.ts';
import {
  createFulfillerWorld,
  createOrder,
  expectData,
  fulfillerOrder,
  merchantOrder,
  settledRequest,
  updateOrdersOk,
  type FulfillerWorld,
} from '../support/fulfiller.ts';

// The seed page's mutation, verbatim.
const SEED_MUTATION = `mutation($orders: [OrderInput]) {
	core {
		updateOrders(orders: $orders) {
			id
			shipping_carrier
			shipping_method
			status
			status_name
		}
	}
}`;

describe('Fulfiller API: the seed example and the whole story', () => {
  let server: TestServer;
  let w: FulfillerWorld;

  before(async () => {
    server = await startServer();
    w = await createFulfillerWorld(server);
  });
  after(() => server?.stop());

  it('runs the seed page example exactly as written', async () => {
    const order = await createOrder(w);
    assert.equal(order.state, 'OPENED');
    assert.equal(typeof order.number, 'number');

    // Token: POST x-www-form-urlencoded with grant_type, client_id and client_secret in the body.
    const tokenResponse = await oauthPost(w.url, {
      grant_type: 'client_credentials',
      client_id: w.supplierClient.client_id,
      client_secret: w.supplierClient.client_secret,
    });
    assert.equal(tokenResponse.status, 200, JSON.stringify(tokenResponse.body));
    assert.equal(tokenResponse.body.token_type, 'Bearer');
    const token: string = tokenResponse.body.access_token;
    assert.equal(typeof token, 'string');

    // The mutation with exactly the two headers the page lists.
    const res = await fetch(`${w.url}/fulfiller/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: SEED_MUTATION,
        variables: { orders: [{ id: order.number, shipping_carrier: 'Royal Mail', shipping_method: 'Tracked 24', status: 4 }] },
      }),
    });
    const r = await readResponse(res);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^application\/(graphql-response\+)?json/);
    assert.deepEqual(r.body, {
      data: {
        core: {
          updateOrders: [
            { id: order.number, shipping_carrier: 'Royal Mail', shipping_method: 'Tracked 24', status: 4, status_name: 'In Production' },
          ],
        },
      },
    });

    // And it stuck: the fulfiller reads it back.
    const read = expectData(await fulfillerOrder(w.url, token, order.number, 'id status status_name shipping_carrier shipping_method'));
    assert.deepEqual(read.core.order, {
      id: order.number,
      status: 4,
      status_name: 'In Production',
      shipping_carrier: 'Royal Mail',
      shipping_method: 'Tracked 24',
    });
  });

  it('merchant opens → fulfiller 4 → merchant change rejected → fulfiller 8 → merchant sees it dispatched', async () => {
    // 1. The merchant creates and opens an order; it is routed to the default supplier at 1 Received.
    const created = await createOrder(w, { comment: 'original comment' });
    assert.equal(created.state, 'OPENED');
    assert.equal(created.status, 1);
    const opened = await merchantOrder(w.url, w.merchantToken, created.id, 'state status statusName locked supplierId lines { status }');
    assert.deepEqual(opened, {
      state: 'OPENED',
      status: 1,
      statusName: 'Received',
      locked: false,
      supplierId: w.supplier.id,
      lines: [{ status: 'ACCEPTED' }, { status: 'ACCEPTED' }],
    });

    // 2. The fulfiller starts production with carrier and method.
    const [inProduction] = await updateOrdersOk(w.url, w.supplierToken, [
      { id: created.number, status: 4, shipping_carrier: 'Royal Mail', shipping_method: 'Tracked 24' },
    ]);
    assert.equal(inProduction.status, 4);
    assert.equal(inProduction.status_name, 'In Production');

    const locked = await merchantOrder(w.url, w.merchantToken, created.id, 'state status statusName locked lines { status }');
    assert.deepEqual(locked, {
      state: 'OPENED',
      status: 4,
      statusName: 'In Production',
      locked: true,
      lines: [{ status: 'IN_PROGRESS' }, { status: 'IN_PROGRESS' }],
    });

    // 3. A merchant change is accepted as PENDING, then REJECTED because production has started.
    const update = await gql(
      w.url,
      w.merchantToken,
      'mutation($input: OrderInput!) { orderUpdate(input: $input) { id type state message } }',
      { input: { id: created.id, comment: 'please change this' } },
    );
    const request = expectData(update, 'orderUpdate').orderUpdate;
    assert.equal(request.type, 'ORDER_UPDATE');
    assert.equal(request.state, 'PENDING');
    const outcome = await settledRequest(w.url, w.merchantToken, request.id);
    assert.equal(outcome.state, 'REJECTED', JSON.stringify(outcome));
    assert.match(outcome.message, /production has started/i);

    // 4. The fulfiller dispatches.
    const [dispatched] = await updateOrdersOk(w.url, w.supplierToken, [{ id: created.number, status: 8 }]);
    assert.deepEqual(dispatched, {
      id: created.number,
      shipping_carrier: 'Royal Mail',
      shipping_method: 'Tracked 24',
      shipping_tracking: null,
      status: 8,
      status_name: 'Dispatched',
    });

    // 5. The merchant sees the finished order and its history.
    const done = await merchantOrder(w.url, w.merchantToken, created.id);
    assert.equal(done.state, 'COMPLETED');
    assert.equal(done.status, 8);
    assert.equal(done.statusName, 'Dispatched');
    assert.equal(done.shippingCarrier, 'Royal Mail');
    assert.equal(done.shippingMethod, 'Tracked 24');
    assert.equal(done.locked, true);
    assert.equal(done.comment, 'original comment', 'the rejected change must not have been applied');
    assert.deepEqual(done.lines.map((l: any) => l.status), ['FULFILLED', 'FULFILLED']);

    const events: any[] = done.events;
    const change = (e: any, field: string) => e.changes.find((c: any) => c.field === field);
    for (const e of events) {
      assert.equal(typeof e.action, 'string');
      assert.ok(!Number.isNaN(Date.parse(e.createdAt)), `createdAt ${e.createdAt}`);
    }
    assert.ok(
      events.some((e) => change(e, 'state')?.to === 'OPENED' && e.clientId === w.merchantClient.client_id),
      `no opening event by the merchant in ${JSON.stringify(events)}`,
    );
    const started = events.find((e) => change(e, 'status')?.from === 1 && change(e, 'status')?.to === 4);
    assert.ok(started, `no 1 → 4 event in ${JSON.stringify(events)}`);
    assert.equal(started.clientId, w.supplierClient.client_id, 'the fulfiller made the 1 → 4 change');
    assert.deepEqual(change(started, 'shippingCarrier'), { field: 'shippingCarrier', from: null, to: 'Royal Mail' });
    assert.deepEqual(change(started, 'shippingMethod'), { field: 'shippingMethod', from: null, to: 'Tracked 24' });
    const finished = events.find((e) => change(e, 'status')?.from === 4 && change(e, 'status')?.to === 8);
    assert.ok(finished, `no 4 → 8 event in ${JSON.stringify(events)}`);
    assert.equal(finished.clientId, w.supplierClient.client_id);
    assert.deepEqual(change(finished, 'state'), { field: 'state', from: 'OPENED', to: 'COMPLETED' });
    assert.ok(events.indexOf(started) < events.indexOf(finished), 'history is oldest first');
    assert.ok(
      !events.some((e) => change(e, 'comment')),
      `the rejected change must leave no 'comment' change in the history: ${JSON.stringify(events)}`,
    );

    // 6. A COMPLETED order refuses every further merchant change, saying why.
    const late = await gql(
      w.url,
      w.merchantToken,
      'mutation($input: OrderInput!) { orderUpdate(input: $input) { id state message } }',
      { input: { id: created.id, comment: 'too late' } },
    );
    const refused = expectData(late, 'orderUpdate after completion').orderUpdate;
    const settled = refused.state === 'PENDING' ? await settledRequest(w.url, w.merchantToken, refused.id) : refused;
    assert.equal(settled.state, 'REJECTED');
    assert.match(settled.message, /COMPLETED/);

    // The fulfiller's view agrees.
    const seen = expectData(await fulfillerOrder(w.url, w.supplierToken, created.number, 'status status_name items { status status_name }'));
    assert.deepEqual(seen.core.order, {
      status: 8,
      status_name: 'Dispatched',
      items: [
        { status: 8, status_name: 'Dispatched' },
        { status: 8, status_name: 'Dispatched' },
      ],
    });
  });

  it('a merchant change before production is ACCEPTED and reaches the fulfiller', async () => {
    const created = await createOrder(w);
    const update = await gql(
      w.url,
      w.merchantToken,
      'mutation($input: OrderInput!) { orderUpdate(input: $input) { id state } }',
      { input: { id: created.id, delivery: { city: 'Manchester', zipcode: 'M1 1AE' } } },
    );
    const request = expectData(update, 'orderUpdate').orderUpdate;
    assert.equal(request.state, 'PENDING');
    const outcome = await settledRequest(w.url, w.merchantToken, request.id);
    assert.equal(outcome.state, 'ACCEPTED', JSON.stringify(outcome));
    const seen = expectData(
      await fulfillerOrder(w.url, w.supplierToken, created.number, 'status shipping_address_1 shipping_address_3 shipping_postcode'),
    );
    assert.deepEqual(seen.core.order, {
      status: 1,
      shipping_address_1: '12 Analytical Row',
      shipping_address_3: 'Manchester',
      shipping_postcode: 'M1 1AE',
    });
  });

  it('a merchant cancel before production → the fulfiller sees 128 Cancelled and cannot move it', async () => {
    const created = await createOrder(w);
    const cancel = await gql(w.url, w.merchantToken, 'mutation($id: String!) { orderCancel(id: $id) { id state } }', { id: created.id });
    const request = expectData(cancel, 'orderCancel').orderCancel;
    const outcome = request.state === 'PENDING' ? await settledRequest(w.url, w.merchantToken, request.id) : request;
    assert.equal(outcome.state, 'ACCEPTED', JSON.stringify(outcome));
    const seen = expectData(await fulfillerOrder(w.url, w.supplierToken, created.number, 'status status_name items { status }'));
    assert.deepEqual(seen.core.order, { status: 128, status_name: 'Cancelled', items: [{ status: 128 }, { status: 128 }] });
    const r = await gql(
      w.url,
      w.supplierToken,
      'mutation($orders: [OrderInput]) { core { updateOrders(orders: $orders) { id status } } }',
      { orders: [{ id: created.number, status: 4 }] },
      { path: '/fulfiller/graphql' },
    );
    assert.deepEqual(r.body.data, { core: { updateOrders: [null] } }, JSON.stringify(r.body));
    assert.equal(r.body.errors?.[0]?.extensions?.code, 'INVALID_STATUS_TRANSITION');
    assert.match(r.body.errors![0].message, /128 Cancelled/);
  });

  it('a merchant cancel after production started is REJECTED and the order stays with the fulfiller', async () => {
    const created = await createOrder(w);
    await updateOrdersOk(w.url, w.supplierToken, [{ id: created.number, status: 517 }]);
    const cancel = await gql(w.url, w.merchantToken, 'mutation($id: String!) { orderCancel(id: $id) { id state } }', { id: created.id });
    const request = expectData(cancel, 'orderCancel').orderCancel;
    const outcome = request.state === 'PENDING' ? await settledRequest(w.url, w.merchantToken, request.id) : request;
    assert.equal(outcome.state, 'REJECTED', JSON.stringify(outcome));
    assert.match(outcome.message, /production has started/i);
    const seen = await merchantOrder(w.url, w.merchantToken, created.id, 'state status lines { status }');
    assert.deepEqual(seen, { state: 'OPENED', status: 517, lines: [{ status: 'IN_PROGRESS' }, { status: 'IN_PROGRESS' }] });
  });

  it('orderRequestFulfillment → the fulfiller sees 512 Sent to Supplier and moves it on to 513', async () => {
    const created = await createOrder(w);
    const req = await gql(
      w.url,
      w.merchantToken,
      'mutation($id: String!) { orderRequestFulfillment(id: $id) { id state } }',
      { id: created.id },
    );
    const request = expectData(req, 'orderRequestFulfillment').orderRequestFulfillment;
    const outcome = request.state === 'PENDING' ? await settledRequest(w.url, w.merchantToken, request.id) : request;
    assert.equal(outcome.state, 'ACCEPTED', JSON.stringify(outcome));
    const seen = expectData(await fulfillerOrder(w.url, w.supplierToken, created.number, 'status status_name'));
    assert.deepEqual(seen.core.order, { status: 512, status_name: 'Sent to Supplier' });
    const [moved] = await updateOrdersOk(w.url, w.supplierToken, [{ id: created.number, status: 513 }]);
    assert.equal(moved.status_name, 'Received by Supplier');
    assert.equal((await merchantOrder(w.url, w.merchantToken, created.id, 'statusName')).statusName, 'Received by Supplier');
  });
});
