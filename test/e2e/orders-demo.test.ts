/**
 * The demo (SPEC §1): `node bin/ordergraph.js demo --json` prints merchant and supplier credentials and at least two
 * DRAFT and two OPENED orders, writes the same to DATA_DIR/demo.json, and those credentials work: the merchant
 * client reads (and may change) the orders on the Orders API; the supplier client sees the OPENED ones on the
 * Fulfiller API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, type TestServer } from '../support/test-server.ts';
import { getToken } from '../support/oauth.ts';
import { gql, viewer } from '../support/graphql.ts';
import { OrdersApi, UUID } from '../support/orders-api.ts';

interface Demo {
  merchant: { org_id: string; client_id: string; client_secret: string };
  supplier: { org_id: string; client_id: string; client_secret: string };
  orders: { id: string; number: number; state: 'DRAFT' | 'OPENED' }[];
}

describe('ordergraph demo --json', () => {
  let server: TestServer;
  let demo: Demo;
  let stdout: string;
  let merchant: OrdersApi;

  before(async () => {
    server = await startServer();
    const r = await server.cliResult(['demo', '--json']);
    assert.equal(r.code, 0, r.stderr);
    stdout = r.stdout;
    demo = JSON.parse(stdout) as Demo;
    merchant = new OrdersApi(server.url, await getToken(server.url, { client_id: demo.merchant.client_id, client_secret: demo.merchant.client_secret }));
  });
  after(() => server?.stop());

  test('prints merchant and supplier credentials', () => {
    for (const side of [demo.merchant, demo.supplier]) {
      assert.match(side.org_id, UUID);
      assert.equal(typeof side.client_id, 'string');
      assert.ok(side.client_id.length > 0);
      assert.equal(typeof side.client_secret, 'string');
      assert.ok(side.client_secret.length >= 20, 'a high-entropy secret');
    }
    assert.notEqual(demo.merchant.org_id, demo.supplier.org_id);
  });

  test('prints at least two DRAFT and two OPENED orders', () => {
    assert.ok(demo.orders.filter((o) => o.state === 'DRAFT').length >= 2, JSON.stringify(demo.orders));
    assert.ok(demo.orders.filter((o) => o.state === 'OPENED').length >= 2, JSON.stringify(demo.orders));
    for (const o of demo.orders) {
      assert.match(o.id, UUID);
      assert.ok(Number.isInteger(o.number) && o.number > 0);
    }
    assert.equal(new Set(demo.orders.map((o) => o.id)).size, demo.orders.length);
  });

  test('writes the same to DATA_DIR/demo.json', () => {
    const file = path.join(server.dataDir, 'demo.json');
    assert.ok(fs.existsSync(file), `${file} exists`);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), demo);
  });

  test('the merchant client has the demo scopes on the demo merchant', async () => {
    const v = await viewer(server.url, merchant.token);
    assert.equal(v.clientId, demo.merchant.client_id);
    assert.equal(v.organizationId, demo.merchant.org_id);
    assert.deepEqual([...v.scopes].sort(), ['create_orders', 'create_shipments', 'edit_delivery_orders', 'edit_integrations', 'edit_orders', 'edit_shipments', 'view_delivery_orders', 'view_orders', 'view_shipments']);
  });

  test("the merchant client's token reads every demo order as printed", async () => {
    for (const o of demo.orders) {
      const order = await merchant.order(o.id);
      assert.equal(order.number, o.number);
      assert.equal(order.state, o.state);
      assert.equal(order.organizationId, demo.merchant.org_id);
      assert.ok(order.lines.length >= 1, 'orders have lines');
      if (o.state === 'OPENED') {
        assert.equal(order.supplierId, demo.supplier.org_id, 'routed to the demo supplier (the default supplier)');
        assert.equal(order.status, 1);
        assert.ok(order.lines.every((l) => l.status === 'ACCEPTED'));
      }
    }
    const list = await merchant.allOrders({}, 100);
    assert.deepEqual(list.nodes.map((n) => n.id).sort(), demo.orders.map((o) => o.id).sort());
  });

  test('the merchant client may change a demo order', async () => {
    const draft = demo.orders.find((o) => o.state === 'DRAFT')!;
    const req = await merchant.update({ id: draft.id, comment: 'demo works' });
    assert.equal(req.state, 'ACCEPTED');
    assert.equal((await merchant.order(draft.id)).comment, 'demo works');
  });

  test('the supplier client sees the OPENED demo orders (and not the drafts) on the Fulfiller API', async () => {
    const token = await getToken(server.url, { client_id: demo.supplier.client_id, client_secret: demo.supplier.client_secret });
    const r = await gql(server.url, token, '{ core { orders { id status } } }', undefined, { path: '/fulfiller/graphql' });
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body));
    const seen = (r.body.data.core.orders as { id: number }[]).map((o) => o.id).sort((x, y) => x - y);
    const opened = demo.orders.filter((o) => o.state === 'OPENED').map((o) => o.number).sort((x, y) => x - y);
    assert.deepEqual(seen, opened);
  });

  test('running the demo again prints the same demo; --reset starts a new one and revokes the old clients', async () => {
    const again = await server.cliResult(['demo', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), demo);
    const orgs = (await server.cli(['org', 'list', '--json']).catch(() => undefined)) as { id: string }[] | undefined;
    if (orgs) assert.equal(orgs.length, 2, 'no second demo seeded');

    const r = await server.cliResult(['demo', '--reset', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const second = JSON.parse(r.stdout) as Demo;
    assert.notEqual(second.merchant.org_id, demo.merchant.org_id);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(server.dataDir, 'demo.json'), 'utf8')), second);
    const api = new OrdersApi(server.url, await getToken(server.url, second.merchant));
    for (const o of second.orders) assert.equal((await api.order(o.id)).state, o.state);
    assert.equal((await api.orders({ first: 100 })).totalCount, second.orders.length);
    await assert.rejects(getToken(server.url, demo.merchant), 'the old demo client is revoked');
  });
});
