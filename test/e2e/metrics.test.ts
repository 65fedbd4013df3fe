/** `/metrics` counts what the workers of `serve` did, next to the HTTP counters and the process metrics. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createTenant, orderInput, type Tenant } from '../support/orders-api.ts';

describe('/metrics', () => {
  let server: TestServer;
  let t: Tenant;

  before(async () => {
    server = await startServer();
    t = await createTenant(server);
  });
  after(() => server?.stop());

  test('counts the request jobs the workers ran', async () => {
    const order = await t.api.create(orderInput({ state: 'OPENED' }));
    const pending = await t.api.update({ id: order.id, comment: 'counted' });
    assert.equal((await t.api.settled(pending.id)).state, 'ACCEPTED');
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const done = /^ordergraph_jobs_total\{kind="request\.apply",outcome="done"\} (\d+)$/m.exec(text);
    assert.ok(done && Number(done[1]) >= 1, `no request.apply job counted in:\n${text.slice(0, 2000)}`);
    assert.equal(text.match(/^# TYPE process_cpu_seconds_total /gm)?.length, 1);
    assert.match(text, /^ordergraph_http_requests_total\{/m);
  });
});
