/**
 * What an operator and a first-time user see (#19): the first log line says where to reach the server, a change
 * is one `info` line naming ids only, a failing webhook is a `warn` line, and the smaller consistency fixes
 * (DRAFT statusName, NOT_FOUND for an unknown webhook's deliveries).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createTenant, orderInput, type Tenant } from '../support/orders-api.ts';
import { gql } from '../support/graphql.ts';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { pollUntil } from '../support/poll.ts';

/** The server's JSON log lines (pino), parsed. */
function logLines(server: TestServer): { level: number; msg: string; [k: string]: unknown }[] {
  return server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

describe('operability', () => {
  let server: TestServer;
  let t: Tenant;
  let receiver: WebhookReceiver;

  before(async () => {
    server = await startServer({ env: { LOG_LEVEL: 'info', ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true', ORDERGRAPH_WEBHOOK_RETRY_BASE_MS: '200' } });
    t = await createTenant(server);
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver?.stop();
    await server?.stop();
  });

  test('the first log line says where to reach the API, GraphiQL, the dashboard and the metrics', () => {
    const lines = server.output().split('\n').filter((l) => l.trim() !== '' && !l.startsWith('--- [test support]'));
    // The plain-text line and the log line may reach the pipe in either order; both say where the server is.
    assert.ok(lines[0]?.includes(server.url), `first line: ${lines[0]}`);
    const listening = lines.slice(0, 2).find((l) => l.startsWith('{'));
    assert.ok(listening, lines.slice(0, 3).join('\n'));
    const msg = JSON.parse(listening).msg as string;
    for (const part of ['/graphql', '/fulfiller/graphql', '/graphiql', '/dashboard', '/metrics']) assert.ok(msg.includes(`${server.url}${part}`), `${part} in ${msg}`);
  });

  test('a change is one info line with request id, client and order, and no personal data', async () => {
    const order = await t.api.create(orderInput({ externalReference: 'OPS-LOG-1' }));
    const line = await pollUntil(() => logLines(server).find((l) => l.msg === 'change' && JSON.stringify(l.targets ?? []).includes('OPS-LOG-1')), {
      timeoutMs: 10_000,
    });
    assert.equal(line.level, 30);
    assert.equal(line.clientId, t.merchantClient.client_id);
    assert.equal(line.operation, 'mutation orderCreate');
    assert.ok(typeof line.reqId === 'string');
    const text = JSON.stringify(line);
    assert.ok(!text.includes('Jane') && !text.includes('@example.com'), `personal data logged: ${text}`);
    await t.api.update({ id: order.id, comment: 'logged by id' });
    await pollUntil(() => logLines(server).some((l) => l.msg === 'change' && (l.targets as string[]).includes(`id=${order.id}`)), { timeoutMs: 10_000 });
  });

  test('a failing webhook is a warn line naming the webhook, its endpoint origin (no path) and the status', async () => {
    receiver.respond = () => 500;
    const created = await gql(server.url, t.api.token, 'mutation($i: WebhookInput!) { webhookCreate(input: $i) { id } }', {
      i: { endpoint: receiver.url, events: ['order/created'] },
    });
    const webhookId = created.body.data.webhookCreate.id as string;
    await t.api.create(orderInput());
    const warn = await pollUntil(() => logLines(server).find((l) => l.msg === 'webhook delivery failed' && l.webhookId === webhookId), { timeoutMs: 20_000 });
    assert.equal(warn.level, 40);
    assert.equal(warn.statusCode, 500);
    assert.equal(warn.endpoint, new URL(receiver.url).origin);
  });

  test('webhookDeliveries of an unknown webhook is NOT_FOUND with a null field, like dispatchableRequest', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const r = await gql(server.url, t.api.token, `{ webhookDeliveries(webhookId: "${id}") { totalCount } dispatchableRequest(id: "${id}") { id } }`);
    assert.deepEqual(r.body.data, { webhookDeliveries: null, dispatchableRequest: null });
    assert.deepEqual(r.body.errors?.map((e) => e.extensions?.code), ['NOT_FOUND', 'NOT_FOUND']);
  });

  test('a DRAFT order says statusName "Draft"', async () => {
    const order = await t.api.create(orderInput());
    assert.equal(order.state, 'DRAFT');
    assert.equal(order.status, 0);
    assert.equal(order.statusName, 'Draft');
  });
});
