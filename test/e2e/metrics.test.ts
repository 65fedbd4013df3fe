/**
 * `/metrics` counts every route (both GraphQL endpoints, the token endpoint, the health routes), times GraphQL
 * operations, counts what the workers of `serve` did, and reports the queue gauges.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createTenant, orderInput, FULFILLER_UPDATE_ORDERS, type Tenant } from '../support/orders-api.ts';
import { gql } from '../support/graphql.ts';

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.lastIndexOf('}'));
    const parts = inner.split(/,(?=\w+=")/);
    if (wanted.every((w) => parts.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('/metrics', () => {
  let server: TestServer;
  let t: Tenant;
  const metrics = async () => (await fetch(`${server.url}/metrics`)).text();

  before(async () => {
    server = await startServer();
    t = await createTenant(server);
  });
  after(() => server?.stop());

  test('counts the request jobs the workers ran', async () => {
    const order = await t.api.create(orderInput({ state: 'OPENED' }));
    const pending = await t.api.update({ id: order.id, comment: 'counted' });
    assert.equal((await t.api.settled(pending.id)).state, 'ACCEPTED');
    const text = await metrics();
    assert.ok((sample(text, 'ordergraph_jobs_total', { kind: 'request.apply', outcome: 'done' }) ?? 0) >= 1, text.slice(0, 2000));
    assert.equal(text.match(/^# TYPE process_cpu_seconds_total /gm)?.length, 1);
  });

  test('counts /graphql, /fulfiller/graphql and /oauth/token, and times each GraphQL operation', async () => {
    const before = await metrics();
    const count = (text: string, route: string, method: string, status: string) => sample(text, 'ordergraph_http_requests_total', { route, method, status }) ?? 0;
    const order = await t.api.create(orderInput({ state: 'OPENED' }));
    const f = await gql(server.url, t.supplierToken, FULFILLER_UPDATE_ORDERS, { orders: [{ id: order.number, status: 512 }] }, { path: '/fulfiller/graphql' });
    assert.equal(f.body.errors, undefined, JSON.stringify(f.body));
    const token = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: t.merchantClient.client_id, client_secret: t.merchantClient.client_secret }),
    });
    assert.equal(token.status, 200);
    const unauthenticated = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ viewer { clientId } }"}' });
    assert.equal(unauthenticated.status, 401);

    const text = await metrics();
    assert.equal(count(text, '/graphql', 'POST', '200') - count(before, '/graphql', 'POST', '200'), 1, 'orderCreate counted');
    assert.equal(count(text, '/graphql', 'POST', '401') - count(before, '/graphql', 'POST', '401'), 1, 'the refused request counted');
    assert.equal(count(text, '/fulfiller/graphql', 'POST', '200') - count(before, '/fulfiller/graphql', 'POST', '200'), 1);
    assert.equal(count(text, '/oauth/token', 'POST', '200') - count(before, '/oauth/token', 'POST', '200'), 1);
    assert.ok((sample(text, 'ordergraph_http_request_duration_seconds_count', { route: '/oauth/token', method: 'POST' }) ?? 0) >= 1);
    assert.ok((sample(text, 'ordergraph_graphql_request_duration_seconds_count', { endpoint: '/graphql', operation: 'mutation orderCreate' }) ?? 0) >= 1, text);
    assert.ok(
      (sample(text, 'ordergraph_graphql_request_duration_seconds_count', { endpoint: '/fulfiller/graphql', operation: 'mutation core.updateOrders' }) ?? 0) >= 1,
    );
  });

  test('reports the queue: queued jobs per kind, the oldest due one, PENDING requests, failing webhooks', async () => {
    const text = await metrics();
    for (const kind of ['request.apply', 'webhook.deliver']) {
      assert.ok(sample(text, 'ordergraph_jobs_queued', { kind }) !== undefined, `no queued gauge for ${kind}`);
      assert.ok(sample(text, 'ordergraph_jobs_oldest_due_seconds', { kind }) !== undefined);
    }
    assert.match(text, /^ordergraph_requests_pending \d+$/m);
    assert.match(text, /^ordergraph_webhooks_failing 0$/m);
  });
});
