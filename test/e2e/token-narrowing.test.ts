/**
 * Issue #12 items 6 and 7: what a token may do decides what it gets.
 * - A token narrowed with organization_id acts in that organization by default: `viewer.organizationId`,
 *   orderCreate without organizationId and webhookCreate all use it (item 7).
 * - An Idempotency-Key replay is only for a token with the same powers: a `view_orders`-only token of the same
 *   client gets INSUFFICIENT_SCOPE, a token narrowed to another organization gets its own answer (item 6).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createClient, createOrganization, getToken, type OAuthClient, type Organization } from '../support/oauth.ts';
import { gql, viewer } from '../support/graphql.ts';
import { dataOf, orderInput, OrdersApi, type Order } from '../support/orders-api.ts';
import { INTEGRATOR_SCOPES } from '../support/scopes.ts';

describe('narrowed tokens and idempotency replays', () => {
  let server: TestServer;
  let home: Organization;
  let other: Organization;
  let client: OAuthClient;
  before(async () => {
    server = await startServer();
    const supplier = await createOrganization(server, { kind: 'SUPPLIER' });
    home = await createOrganization(server, { kind: 'MERCHANT', defaultSupplier: supplier.id });
    other = await createOrganization(server, { kind: 'MERCHANT', defaultSupplier: supplier.id });
    client = await createClient(server, { org: home.id, scopes: INTEGRATOR_SCOPES, access: [other.id] });
  });
  after(() => server?.stop());

  it('a token narrowed to another organization acts there by default', async () => {
    const token = await getToken(server.url, client, { organizationId: other.id });
    const v = await viewer(server.url, token);
    assert.equal(v.organizationId, other.id);
    assert.deepEqual(v.organizationIds, [other.id]);

    const order = await new OrdersApi(server.url, token).create(orderInput());
    assert.equal(order.organizationId, other.id);

    // The client's unnarrowed token still defaults to its own organization.
    const wide = await getToken(server.url, client);
    assert.equal((await viewer(server.url, wide)).organizationId, home.id);
    assert.equal((await new OrdersApi(server.url, wide).create(orderInput())).organizationId, home.id);
  });

  it('webhookCreate of a narrowed token belongs to the narrowed organization', async () => {
    const narrowed = await getToken(server.url, client, { organizationId: other.id });
    const created = await gql(server.url, narrowed, 'mutation($i: WebhookInput!) { webhookCreate(input: $i) { id } }', {
      i: { endpoint: 'https://hooks.example.com/og', events: ['order/completed'] },
    });
    const id = dataOf(created, 'webhookCreate').id;
    // Only a token of that organization sees it.
    const homeOnly = await getToken(server.url, client, { organizationId: home.id });
    const list = (t: string) => gql(server.url, t, '{ webhooks { edges { node { id } } } }');
    assert.deepEqual(dataOf(await list(narrowed), 'webhooks').edges.map((e: any) => e.node.id), [id]);
    assert.deepEqual(dataOf(await list(homeOnly), 'webhooks').edges, []);
  });

  it('an Idempotency-Key replays only to a token with the same scopes and organizations', async () => {
    const key = `k-${randomUUID()}`;
    const input = orderInput();
    const headers = { 'Idempotency-Key': key };
    const full = new OrdersApi(server.url, await getToken(server.url, client, { organizationId: home.id }));
    const first = dataOf<Order>(await full.tryCreate(input, headers), 'orderCreate');
    assert.equal(first.organizationId, home.id);

    const viewOnly = new OrdersApi(server.url, await getToken(server.url, client, { scope: 'view_orders', organizationId: home.id }));
    const refused = await viewOnly.tryCreate(input, headers);
    assert.equal(refused.status, 200);
    assert.equal(refused.headers.get('idempotent-replayed'), null);
    assert.equal(refused.body.errors?.[0]?.extensions?.code, 'INSUFFICIENT_SCOPE', JSON.stringify(refused.body));

    const elsewhere = new OrdersApi(server.url, await getToken(server.url, client, { organizationId: other.id }));
    const own = await elsewhere.tryCreate(input, headers);
    assert.equal(own.headers.get('idempotent-replayed'), null);
    assert.equal(dataOf<Order>(own, 'orderCreate').organizationId, other.id, 'not the response made for the other organization');

    // The same powers still replay.
    const again = await full.tryCreate(input, headers);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(dataOf<Order>(again, 'orderCreate').id, first.id);
  });
});
