/**
 * Issue #12 item 8: no small oracles.
 * - A merchant routes (supplierId) only to its default supplier and to suppliers an admin connected to it with
 *   `ordergraph org connect`; any other id, a real supplier's included, is NOT_FOUND exactly like an unknown id.
 *   `org list` shows the connections, `org update` renames and changes the default supplier; bad input names the
 *   field and changes nothing.
 * - A webhook delivery refused by the SSRF guard says only that the endpoint is not allowed, never what an
 *   internal name resolves to. (The name used is this machine's own hostname, refused before any connection.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns/promises';
import os from 'node:os';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createOrganization, type Organization } from '../support/oauth.ts';
import { createTenant, dataOf, expectGraphQLError, orderInput, type Tenant } from '../support/orders-api.ts';
import { gql } from '../support/graphql.ts';
import { pollUntil } from '../support/poll.ts';

const UNKNOWN = '00000000-0000-4000-8000-00000000beef';

describe('supplier routing and delivery errors', () => {
  let server: TestServer;
  let t: Tenant;
  let stranger: Organization; // a real supplier nobody connected to t.merchant
  let connected: Organization;
  before(async () => {
    server = await startServer();
    t = await createTenant(server);
    [stranger, connected] = await Promise.all([
      createOrganization(server, { kind: 'SUPPLIER' }),
      createOrganization(server, { kind: 'SUPPLIER' }),
    ]);
  });
  after(() => server?.stop());

  const refusal = async (supplierId: string) => {
    const e = expectGraphQLError(await t.api.tryCreate(orderInput({ supplierId })), 'NOT_FOUND', ['supplierId'], { field: 'orderCreate' });
    return e.message.replace(supplierId, '<id>');
  };

  it('refuses an unconnected supplier exactly like an unknown id, and routes once an admin connects it', async () => {
    assert.equal(await refusal(stranger.id), await refusal(UNKNOWN));
    assert.equal(await refusal(t.merchant.id), await refusal(UNKNOWN), 'a non-supplier id too');
    assert.equal(await refusal(connected.id), await refusal(UNKNOWN));

    const out = await server.cli(['org', 'connect', '--merchant', t.merchant.id, '--supplier', connected.id, '--json']);
    assert.deepEqual(out, { merchant_id: t.merchant.id, supplier_id: connected.id, connected: true });
    const order = await t.api.create(orderInput({ supplierId: connected.id, state: 'OPENED' }));
    assert.equal(order.supplierId, connected.id);
    // The default supplier needs no connection; an update is checked like a create.
    assert.equal((await t.api.create(orderInput({ supplierId: t.supplier.id }))).supplierId, t.supplier.id);
    const draft = await t.api.create(orderInput());
    const upd = await t.api.tryUpdate({ id: draft.id, supplierId: stranger.id });
    expectGraphQLError(upd, 'NOT_FOUND', ['supplierId'], { field: 'orderUpdate' });
    assert.equal((await t.api.order(draft.id)).supplierId, null, 'nothing changed');

    const list = await server.cli(['org', 'list', '--json']);
    const merchant = list.find((o: { id: string }) => o.id === t.merchant.id);
    assert.deepEqual(merchant, {
      id: t.merchant.id, name: t.merchant.name, kind: 'MERCHANT', default_supplier_id: t.supplier.id, connected_supplier_ids: [connected.id],
    });
    // Connecting again changes nothing.
    await server.cli(['org', 'connect', '--merchant', t.merchant.id, '--supplier', connected.id, '--json']);
    assert.deepEqual((await server.cli(['org', 'list', '--json'])).find((o: { id: string }) => o.id === t.merchant.id), merchant);
  });

  it('org update renames and changes the default supplier; bad input names the flag and changes nothing', async () => {
    const updated = await server.cli(['org', 'update', t.merchant.id, '--name', 'Renamed Merchant', '--default-supplier', stranger.id, '--json']);
    assert.equal(updated.name, 'Renamed Merchant');
    assert.equal(updated.default_supplier_id, stranger.id);
    assert.equal((await t.api.create(orderInput({ supplierId: stranger.id }))).supplierId, stranger.id, 'the new default routes');

    const before = await server.cli(['org', 'list', '--json']);
    const cases: [string[], RegExp][] = [
      [['org', 'update', t.merchant.id, '--default-supplier', t.merchant.id], /`--default-supplier`.*SUPPLIER/],
      [['org', 'update', UNKNOWN, '--name', 'x'], /NOT_FOUND: organization "00000000-0000-4000-8000-00000000beef" was not found/],
      [['org', 'update', stranger.id, '--default-supplier', connected.id], /`--default-supplier`.*MERCHANT/],
      [['org', 'connect', '--merchant', stranger.id, '--supplier', connected.id], /`--merchant` must be the id of a MERCHANT/],
      [['org', 'connect', '--merchant', t.merchant.id, '--supplier', UNKNOWN], /NOT_FOUND: `--supplier`: organization/],
    ];
    for (const [args, message] of cases) {
      const r = await server.cliResult([...args, '--json']);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
      // Under --json the error is JSON on stdout, like a result.
      const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string } };
      assert.match(`${error.code}: ${error.message}`, message, `${args.join(' ')}: ${r.stdout}`);
    }
    assert.deepEqual(await server.cli(['org', 'list', '--json']), before, 'nothing changed');
  });

  it("a refused delivery does not tell what the endpoint's host resolves to", async (ctx) => {
    const host = os.hostname();
    const addresses = await dns.lookup(host, { all: true }).catch(() => []);
    const internal = addresses.filter((a) => /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|f[cd])/.test(a.address));
    if (addresses.length === 0 || internal.length !== addresses.length) return ctx.skip(`${host} does not resolve to internal addresses only`);
    const created = await gql(server.url, t.api.token, 'mutation($i: WebhookInput!) { webhookCreate(input: $i) { id } }', {
      i: { endpoint: `http://${host}:9/hook`, events: ['order/created'] },
    });
    const webhookId = dataOf(created, 'webhookCreate').id;
    await t.api.create(orderInput());
    const deliveries = async () =>
      dataOf(await gql(server.url, t.api.token, 'query($id: String!) { webhookDeliveries(webhookId: $id) { edges { node { error statusCode } } } }', { id: webhookId }), 'webhookDeliveries').edges;
    const [first] = await pollUntil(async () => {
      const edges = await deliveries();
      return edges.length > 0 ? edges : undefined;
    }, { timeoutMs: 30_000 });
    assert.equal(first.node.statusCode, null);
    assert.match(first.node.error, /not allowed/);
    for (const a of addresses) assert.ok(!first.node.error.includes(a.address), `${first.node.error} names ${a.address}`);
  });
});
