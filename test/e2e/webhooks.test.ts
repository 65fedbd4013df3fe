/**
 * Webhooks end to end (SPEC §6): real servers, real tokens, a real HTTP receiver on 127.0.0.1, and every
 * delivery verified with the `standardwebhooks` package. Runs on SQLite and (TEST_DB=postgres) on PostgreSQL.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createClient, createOrganization, getToken } from '../support/oauth.ts';
import { gql, type GraphQLBody } from '../support/graphql.ts';
import { openDirectDb, type DirectDb } from '../support/direct-db.ts';
import { pollUntil, sleep } from '../support/poll.ts';
import { startReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { messageIdFor } from '../../src/webhooks/webhook-signing.ts';
import { EVENT_TYPES } from '../../src/webhooks/outbox.ts';

const WEBHOOK = 'id endpoint events headers secret enabled health createdAt updatedAt';
const DELIVERY = 'id webhookId eventId eventType attempt success statusCode durationMs error createdAt';

interface Tenant {
  merchantId: string;
  merchantToken: string;
}

interface WebhookView {
  id: string;
  endpoint: string;
  events: string[];
  headers: Record<string, string> | null;
  secret: string;
  enabled: boolean;
  health: 'HEALTHY' | 'DEGRADED' | 'FAILING' | 'DISABLED';
}

interface OutboxRow {
  id: number;
  order_id: string | null;
  type: string;
}

/** The data of a GraphQL call, or a failure that shows the errors. */
function data<D>(r: { status: number; body: GraphQLBody<D> }): D {
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return r.body.data as D;
}

/** The one error of a GraphQL call. */
function error(r: { status: number; body: GraphQLBody }): { code?: string; message: string } {
  assert.equal(r.status, 200);
  assert.equal(r.body.errors?.length, 1, JSON.stringify(r.body));
  return { code: r.body.errors![0].extensions?.code, message: r.body.errors![0].message };
}

/** What a server under test can do, for one tenant at a time. */
class Api {
  constructor(
    readonly server: TestServer,
    readonly db: DirectDb,
  ) {}

  static async open(server: TestServer): Promise<Api> {
    return new Api(server, await openDirectDb(server));
  }

  private supplierId: string | undefined;

  /** A merchant (routed to a supplier shared by the file's tenants) and a token of a merchant client. */
  async tenant(scopes = 'view_orders create_orders edit_orders edit_integrations'): Promise<Tenant> {
    this.supplierId ??= (await createOrganization(this.server, { kind: 'SUPPLIER' })).id;
    const merchant = await createOrganization(this.server, { kind: 'MERCHANT', defaultSupplier: this.supplierId });
    const mc = await createClient(this.server, { org: merchant.id, scopes });
    return { merchantId: merchant.id, merchantToken: await getToken(this.server.url, mc) };
  }

  /** A token of a supplier client that may act on the tenant's orders (Fulfiller API). */
  async supplierToken(t: Tenant): Promise<string> {
    const sc = await createClient(this.server, {
      org: this.supplierId!,
      scopes: 'order-it.order-manager.view order-it.order-manager.edit',
      access: [t.merchantId],
    });
    return getToken(this.server.url, sc);
  }

  gql<D = any>(token: string, query: string, variables?: Record<string, unknown>) {
    return gql<D>(this.server.url, token, query, variables);
  }

  async createWebhook(t: Tenant, input: Record<string, unknown>): Promise<WebhookView> {
    const r = await this.gql(t.merchantToken, `mutation($i: WebhookInput!) { webhookCreate(input: $i) { ${WEBHOOK} } }`, { i: input });
    return data<{ webhookCreate: WebhookView }>(r).webhookCreate;
  }

  async updateWebhook(t: Tenant, id: string, input: Record<string, unknown>): Promise<WebhookView> {
    const r = await this.gql(t.merchantToken, `mutation($id: String!, $i: WebhookUpdateInput!) { webhookUpdate(id: $id, input: $i) { ${WEBHOOK} } }`, { id, i: input });
    return data<{ webhookUpdate: WebhookView }>(r).webhookUpdate;
  }

  async webhooks(t: Tenant): Promise<WebhookView[]> {
    const r = await this.gql(t.merchantToken, `{ webhooks(first: 100) { totalCount edges { node { ${WEBHOOK} } } } }`);
    return data<{ webhooks: { edges: { node: WebhookView }[] } }>(r).webhooks.edges.map((e) => e.node);
  }

  async health(t: Tenant, id: string): Promise<WebhookView['health']> {
    const w = (await this.webhooks(t)).find((x) => x.id === id);
    assert.ok(w, `webhook ${id} is listed`);
    return w.health;
  }

  /** Every delivery attempt of a webhook, newest first (all pages). */
  async deliveries(t: Tenant, webhookId: string): Promise<any[]> {
    const all: any[] = [];
    let after: string | null = null;
    for (;;) {
      const r = await this.gql(
        t.merchantToken,
        `query($w: String!, $after: String) { webhookDeliveries(webhookId: $w, first: 100, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } edges { node { ${DELIVERY} } } } }`,
        { w: webhookId, after },
      );
      const page: any = data<any>(r).webhookDeliveries;
      all.push(...page.edges.map((e: any) => e.node));
      if (!page.pageInfo.hasNextPage) return all;
      after = page.pageInfo.endCursor;
    }
  }

  async createOrder(t: Tenant, opts: { opened?: boolean } = {}): Promise<{ id: string; number: number }> {
    const input = { lines: [{ sku: 'SKU-1', label: 'Shirt', quantity: 1, price: 10 }], ...(opts.opened ? { state: 'OPENED' } : {}) };
    const r = await this.gql(t.merchantToken, 'mutation($i: OrderInput!) { orderCreate(input: $i) { id number } }', { i: input });
    return data<{ orderCreate: { id: string; number: number } }>(r).orderCreate;
  }

  async request(t: Tenant, mutation: 'orderOpen' | 'orderCancel', id: string): Promise<{ id: string; state: string }> {
    const r = await this.gql(t.merchantToken, `mutation($id: String!) { ${mutation}(id: $id) { id state message } }`, { id });
    return data<any>(r)[mutation];
  }

  async updateOrder(t: Tenant, id: string, comment: string): Promise<{ id: string; state: string }> {
    const r = await this.gql(t.merchantToken, 'mutation($i: OrderInput!) { orderUpdate(input: $i) { id state message } }', { i: { id, comment } });
    return data<any>(r).orderUpdate;
  }

  /** Sets the fulfilment status through the Fulfiller API. */
  async fulfillerStatus(supplierToken: string, number: number, status: number): Promise<void> {
    const r = await gql(this.server.url, supplierToken, `mutation { core { updateOrders(orders: [{id: ${number}, status: ${status}}]) { id status } } }`, undefined, {
      path: '/fulfiller/graphql',
    });
    data(r);
  }

  /** The organization's outbox events, oldest first. */
  async outbox(orgId: string): Promise<OutboxRow[]> {
    const rows = await this.db.query<OutboxRow>('SELECT id, order_id, type FROM outbox_events WHERE organization_id = $1 ORDER BY id', [orgId]);
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/**
 * Waits until every outbox event of the tenant has been accepted by the receiver (at least once), then checks
 * that each delivery verifies, carries the documented body, and that each order's events were first accepted in
 * the order they happened. Returns the first accepted delivery of each event, in outbox order.
 */
async function expectAllDelivered(api: Api, t: Tenant, webhook: WebhookView, receiver: WebhookReceiver, timeoutMs = 60_000): Promise<ReceivedWebhook[]> {
  let events: OutboxRow[] = [];
  await pollUntil(
    async () => {
      events = await api.outbox(t.merchantId);
      const accepted = new Set(receiver.accepted().map((r) => r.id));
      return events.length > 0 && events.every((e) => accepted.has(messageIdFor(webhook.id, e.id)));
    },
    { timeoutMs, intervalMs: 100, message: `all events delivered (receiver has ${receiver.uniqueAccepted().length})` },
  );
  const first = new Map(receiver.uniqueAccepted().map((r) => [r.id, r]));
  // The order an event belongs to is the outbox row's: a delivery-order event's body is the delivery order.
  const orderOf = new Map(events.map((e) => [messageIdFor(webhook.id, e.id), e.order_id]));
  const byOrder = new Map<string, string[]>();
  for (const r of first.values()) {
    const parsed = receiver.verify(webhook.secret, r);
    assert.deepEqual(Object.keys(parsed).sort(), ['body', 'header']);
    assert.equal(parsed.header.messageId, r.id);
    assert.equal(parsed.header.webhookId, webhook.id);
    assert.equal(parsed.header.organizationId, t.merchantId);
    assert.ok((EVENT_TYPES as readonly string[]).includes(parsed.header.type));
    assert.ok(!Number.isNaN(Date.parse(parsed.header.date)));
    const orderId = orderOf.get(r.id);
    assert.ok(orderId, `delivery ${r.id} is an event of the tenant's outbox`);
    byOrder.set(orderId, [...(byOrder.get(orderId) ?? []), r.id]);
  }
  for (const [orderId, ids] of byOrder) {
    const expected = events.filter((e) => e.order_id === orderId).map((e) => messageIdFor(webhook.id, e.id));
    assert.deepEqual(ids, expected, `events of order ${orderId} arrive in the order they happened`);
  }
  return events.map((e) => first.get(messageIdFor(webhook.id, e.id))!);
}

const sequentially = async <T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> => {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await fn(i));
  return out;
};

/** Runs `fn` for 0..n-1 with at most `width` calls in flight. */
async function inParallel<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

describe('webhooks', () => {
  let server: TestServer;
  let api: Api;
  const receivers: WebhookReceiver[] = [];
  const receiver = async () => {
    const r = await startReceiver();
    receivers.push(r);
    return r;
  };

  before(async () => {
    server = await startServer({ env: { ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true', ORDERGRAPH_WEBHOOK_RETRY_BASE_MS: '100' } });
    api = await Api.open(server);
  });
  after(async () => {
    await api?.close();
    await server?.stop();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  it('manages webhooks: create, list, update, delete; validation; scope; other tenants see NOT_FOUND', async () => {
    const t = await api.tenant();
    const w = await api.createWebhook(t, { endpoint: 'https://example.com/hooks', events: ['order/created', 'order/completed'], headers: { 'X-Api-Key': 'k1' } });
    assert.match(w.secret, /^whsec_[A-Za-z0-9+/=]+$/);
    assert.deepEqual([w.endpoint, w.events, w.headers, w.enabled, w.health], ['https://example.com/hooks', ['order/created', 'order/completed'], { 'X-Api-Key': 'k1' }, true, 'HEALTHY']);
    assert.deepEqual((await api.webhooks(t)).map((x) => x.id), [w.id]);

    const u = await api.updateWebhook(t, w.id, { events: null, headers: { 'X-Api-Key': 'k2' } });
    assert.deepEqual([u.events, u.headers, u.secret], [[], { 'X-Api-Key': 'k2' }, null], 'the secret is returned only by the mutation that sets it');

    const bad = async (input: Record<string, unknown>) =>
      error(await api.gql(t.merchantToken, 'mutation($i: WebhookInput!) { webhookCreate(input: $i) { id } }', { i: input }));
    assert.deepEqual(await bad({ endpoint: 'ftp://example.com' }), { code: 'BAD_USER_INPUT', message: '`endpoint` must be an http(s) URL, not ftp' });
    const e1 = await bad({ endpoint: 'https://example.com', events: ['order/created', 'order/shipped'] });
    assert.equal(e1.code, 'BAD_USER_INPUT');
    assert.match(e1.message, /^`events\[1\]` "order\/shipped" is not an event name/);
    assert.match((await bad({ endpoint: 'https://example.com', headers: { 'webhook-id': 'x' } })).message, /^`headers\.webhook-id` is set by the delivery itself/);
    assert.match((await bad({ endpoint: 'https://example.com', headers: { 'X-A': 5 } })).message, /^`headers\.X-A` must be a string/);

    const other = await api.tenant();
    for (const [query, variables] of [
      [`mutation($id: String!) { webhookUpdate(id: $id, input: { enabled: false }) { id } }`, { id: w.id }],
      [`mutation($id: String!) { webhookDelete(id: $id) }`, { id: w.id }],
      [`query($id: String!) { webhookDeliveries(webhookId: $id) { totalCount } }`, { id: w.id }],
    ] as const) {
      assert.equal(error(await api.gql(other.merchantToken, query, variables)).code, 'NOT_FOUND', query);
    }
    assert.deepEqual(await api.webhooks(other), []);

    const narrow = await api.tenant('view_orders create_orders edit_orders');
    const denied = error(await api.gql(narrow.merchantToken, '{ webhooks { totalCount } }'));
    assert.equal(denied.code, 'INSUFFICIENT_SCOPE');
    assert.match(denied.message, /edit_integrations/);

    assert.equal(data<any>(await api.gql(t.merchantToken, 'mutation($id: String!) { webhookDelete(id: $id) }', { id: w.id })).webhookDelete, true);
    assert.deepEqual(await api.webhooks(t), []);
  });

  it('delivers every event type, signed, in order per order', async () => {
    const t = await api.tenant();
    const rx = await receiver();
    const w = await api.createWebhook(t, { endpoint: rx.url, headers: { 'X-Api-Key': 'key-1' } });

    // order/created, order/updated (DRAFT: at once), then opened + status-changed + request/accepted (worker).
    const a = await api.createOrder(t);
    assert.equal((await api.updateOrder(t, a.id, 'first comment')).state, 'ACCEPTED');
    assert.equal((await api.request(t, 'orderOpen', a.id)).state, 'PENDING');
    await pollUntil(async () => (await api.outbox(t.merchantId)).some((e) => e.type === 'request/accepted'), { timeoutMs: 30_000 });
    // In production (status 4), a merchant change is refused by the worker: request/rejected.
    await api.fulfillerStatus(await api.supplierToken(t), a.number, 4);
    assert.equal((await api.updateOrder(t, a.id, 'too late')).state, 'PENDING');
    // Cancelling an OPENED order: status-changed (128) + completed.
    const b = await api.createOrder(t, { opened: true });
    assert.equal((await api.request(t, 'orderCancel', b.id)).state, 'PENDING');
    await pollUntil(async () => (await api.outbox(t.merchantId)).filter((e) => e.type.startsWith('request/')).length === 3, { timeoutMs: 30_000 });
    // The supplier refuses a third one: delivery-order/rejected.
    const c = await api.createOrder(t, { opened: true });
    const refused = await gql(server.url, await api.supplierToken(t), 'mutation { core { rejectOrders(orders: [{id: ' + c.number + ', reason: "out of stock"}]) { id status } } }', undefined, {
      path: '/fulfiller/graphql',
    });
    assert.equal(data<any>(refused).core.rejectOrders[0].id, c.number);

    const delivered = await expectAllDelivered(api, t, w, rx);
    const types = new Set(delivered.map((r) => r.body.header.type));
    // Shipment events need a parcel: webhook-formats.test.ts and shipments.test.ts deliver those.
    assert.deepEqual([...types].sort(), EVENT_TYPES.filter((type) => !type.startsWith('shipment/')).sort());
    for (const r of delivered) {
      assert.equal(r.headers['x-api-key'], 'key-1');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.signatures.length, 1);
    }
    // A DRAFT change reads the order's lines only for its event body: the body is still the whole order.
    const updated = delivered.find((r) => r.body.header.type === 'order/updated')!;
    assert.equal(updated.body.body.comment, 'first comment');
    assert.equal(updated.body.body.version, 2);
    assert.deepEqual(
      updated.body.body.lines.map((l: { sku: string; quantity: number; status: string }) => [l.sku, l.quantity, l.status]),
      [['SKU-1', 1, 'PENDING']],
    );
    const rejected = delivered.find((r) => r.body.header.type === 'request/rejected')!;
    assert.equal(rejected.body.body.state, 'REJECTED');
    assert.equal(rejected.body.body.orderId, a.id);
    const completed = delivered.find((r) => r.body.header.type === 'order/completed')!;
    assert.equal(completed.body.body.id, b.id);
    assert.equal(completed.body.body.state, 'COMPLETED');
    assert.equal(completed.body.body.status, 128);
    assert.equal(await api.health(t, w.id), 'HEALTHY');
  });

  it('retries a failing endpoint until it recovers: every event arrives, in order per order, and the log shows every attempt', async () => {
    const t = await api.tenant();
    const rx = await receiver();
    let recovered = false;
    rx.respond = () => (recovered ? 200 : 500);
    const w = await api.createWebhook(t, { endpoint: rx.url });

    const orders = await sequentially(4, () => api.createOrder(t, { opened: true }));
    await inParallel(orders.length, 4, (i) => api.updateOrder(t, orders[i].id, `update ${i}`));
    await rx.waitFor((all) => all.length >= 20, { message: 'retries while failing' });
    assert.equal(await api.health(t, w.id), 'FAILING');
    recovered = true;

    await expectAllDelivered(api, t, w, rx, 90_000);
    assert.ok(rx.received.filter((r) => r.status === 500).length >= 20);
    await pollUntil(async () => (await api.health(t, w.id)) === 'HEALTHY', { timeoutMs: 30_000, message: 'health recovers' });

    const log = await api.deliveries(t, w.id);
    const failed = log.filter((d) => !d.success);
    assert.ok(failed.length >= 20, `failed attempts logged: ${failed.length}`);
    for (const d of failed) {
      assert.equal(d.statusCode, 500);
      assert.equal(d.error, 'HTTP 500');
      assert.ok(d.durationMs >= 0);
      assert.ok(!Number.isNaN(Date.parse(d.createdAt)));
    }
    assert.ok(failed.some((d) => d.attempt > 1), 'attempts are numbered');
    const sorted = [...log].sort((x, y) => y.createdAt.localeCompare(x.createdAt));
    assert.deepEqual(log.map((d) => d.createdAt), sorted.map((d) => d.createdAt), 'newest first');
    assert.ok(log.filter((d) => d.success).length >= (await api.outbox(t.merchantId)).length);
  });

  it('honours Retry-After on 429', async () => {
    const t = await api.tenant();
    const rx = await receiver();
    let first = true;
    rx.respond = () => {
      if (!first) return 200;
      first = false;
      return { status: 429, headers: { 'retry-after': '1' } };
    };
    const w = await api.createWebhook(t, { endpoint: rx.url });
    await api.createOrder(t);
    await expectAllDelivered(api, t, w, rx);
    // The receiver has answered before the worker records the attempt: wait for the record.
    await pollUntil(async () => (await api.deliveries(t, w.id)).length === 2, { timeoutMs: 30_000 });
    const log = await api.deliveries(t, w.id);
    assert.deepEqual(log.map((d) => d.statusCode).reverse(), [429, 200]);
  });

  it('disables a webhook whose endpoint answers 410 Gone, and delivers nothing more to it', async () => {
    const t = await api.tenant();
    const rx = await receiver();
    // Slow to answer, so that the order's next events are queued for this webhook while it is still enabled.
    rx.respond = () => ({ status: 410, delayMs: 1000 });
    const w = await api.createWebhook(t, { endpoint: rx.url });
    // A second, enabled webhook of the same events: once it has received an event, the first would have too.
    const sentinel = await receiver();
    const ws = await api.createWebhook(t, { endpoint: sentinel.url });
    const first = await api.createOrder(t);
    await api.updateOrder(t, first.id, 'queued while enabled');
    await api.updateOrder(t, first.id, 'queued while enabled, again');
    await pollUntil(async () => (await api.health(t, w.id)) === 'DISABLED', { timeoutMs: 30_000 });
    const listed = (await api.webhooks(t)).find((x) => x.id === w.id);
    assert.equal(listed?.enabled, false);
    const later = await api.createOrder(t);

    const is = (orderId: string, type: string) => (r: ReceivedWebhook) => r.status === 200 && r.body.header.type === type && r.body.body.id === orderId;
    await sentinel.waitFor((all) => all.filter(is(first.id, 'order/updated')).length === 2 && all.some(is(later.id, 'order/created')), {
      timeoutMs: 30_000,
      message: 'the enabled webhook received every event',
    });
    assert.equal(sentinel.received.filter((r) => r.body.body.id === first.id).length, 3);
    await pollUntil(async () => (await api.deliveries(t, ws.id)).length >= 4, { timeoutMs: 30_000, message: 'the sentinel deliveries are recorded' });
    assert.deepEqual(
      rx.received.map((r) => r.body.header.type),
      ['order/created'],
      'nothing reached the disabled webhook after its 410: neither events queued before, nor events after',
    );
    const log = await api.deliveries(t, w.id);
    assert.equal(log.length, 1);
    assert.equal(log[0].statusCode, 410);
    assert.match(log[0].error, /410 Gone/);

    // Enabled again, it receives new events.
    rx.respond = () => 200;
    assert.equal((await api.updateWebhook(t, w.id, { enabled: true })).health, 'HEALTHY');
    const o = await api.createOrder(t);
    await rx.waitFor((all) => all.some((r) => r.status === 200 && r.body.body.id === o.id));
  });

  it('signs with both secrets for 24 h after a rotation', async () => {
    const t = await api.tenant();
    const rx = await receiver();
    const w = await api.createWebhook(t, { endpoint: rx.url });
    const rotated = await api.updateWebhook(t, w.id, { rotateSecret: true });
    assert.notEqual(rotated.secret, w.secret);
    assert.match(rotated.secret, /^whsec_/);
    await api.createOrder(t);
    await rx.waitFor((all) => all.length === 1);
    const r = rx.received[0];
    assert.equal(r.signatures.length, 2);
    for (const secret of [rotated.secret, w.secret]) rx.verify(secret, r);
    // Each signature verifies on its own, with its own secret.
    rx.verify(rotated.secret, { ...r, signatures: [r.signatures[0]] });
    rx.verify(w.secret, { ...r, signatures: [r.signatures[1]] });
    assert.throws(() => rx.verify(w.secret, { ...r, signatures: [r.signatures[0]] }));
  });

  it('sends a delivery again on webhookDeliveryRetry, with the same webhook-id', async () => {
    const t = await api.tenant();
    const rx = await receiver();
    const w = await api.createWebhook(t, { endpoint: rx.url });
    await api.createOrder(t);
    await rx.waitFor((all) => all.length === 1);
    // The receiver answers before the worker records the attempt: wait for the record, not only the request.
    const [attempt] = await pollUntil(async () => {
      const log = await api.deliveries(t, w.id);
      return log.length === 1 && log;
    });
    assert.equal(attempt.success, true);
    assert.equal(attempt.eventType, 'order/created');
    const r = await api.gql(t.merchantToken, `mutation($id: String!) { webhookDeliveryRetry(id: $id) { ${DELIVERY} } }`, { id: attempt.id });
    assert.equal(data<any>(r).webhookDeliveryRetry.id, attempt.id);
    await rx.waitFor((all) => all.length === 2);
    assert.equal(rx.received[1].id, rx.received[0].id);
    rx.verify(w.secret, rx.received[1]);
    await pollUntil(async () => (await api.deliveries(t, w.id)).length === 2);
  });

  it('stops pending deliveries when a webhook is deleted', async () => {
    const t = await api.tenant();
    const rx = await receiver();
    rx.respond = () => 500;
    const w = await api.createWebhook(t, { endpoint: rx.url });
    await api.createOrder(t);
    await api.createOrder(t);
    await rx.waitFor((all) => all.length >= 3);
    data(await api.gql(t.merchantToken, 'mutation($id: String!) { webhookDelete(id: $id) }', { id: w.id }));
    const pending = await api.db.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM jobs WHERE state = 'queued' AND queue_key LIKE $1`,
      [`wh:${w.id}:%`],
    );
    assert.equal(Number(pending[0].n), 0);
    const seen = rx.received.length;
    await sleep(1500); // many retry periods at a 100 ms base
    assert.ok(rx.received.length <= seen + 2, 'nothing but the attempts in flight during the delete (one per order)');
  });
});

describe('webhooks: delivery given up after the retry window', () => {
  let server: TestServer;
  let api: Api;
  const receivers: WebhookReceiver[] = [];

  before(async () => {
    server = await startServer({
      env: { ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true', ORDERGRAPH_WEBHOOK_RETRY_BASE_MS: '100', ORDERGRAPH_WEBHOOK_RETRY_WINDOW_MS: '2000' },
    });
    api = await Api.open(server);
  });
  after(async () => {
    await api?.close();
    await server?.stop();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  it('fails the delivery, lets the next event of the order go ahead, and shows FAILING', async () => {
    const t = await api.tenant();
    const rx = await startReceiver();
    const down = await startReceiver();
    receivers.push(rx, down);
    rx.respond = (r) => (r.body?.header?.type === 'order/created' ? 500 : 200);
    down.respond = () => 500;
    const w = await api.createWebhook(t, { endpoint: rx.url });
    const dead = await api.createWebhook(t, { endpoint: down.url });
    await api.createOrder(t, { opened: true }); // created, opened, status-changed, delivery-order/created
    // All of them are written by the create's transaction.
    const events = await api.outbox(t.merchantId);
    const later = events.filter((e) => e.type !== 'order/created').map((e) => e.type);
    assert.ok(later.includes('order/opened') && later.includes('order/status-changed'), later.join());

    // order/created is never accepted; after the window it is given up and the order's next events follow.
    await rx.waitFor((all) => all.filter((r) => r.status === 200).length === later.length, { timeoutMs: 60_000 });
    const createdAttempts = rx.received.filter((r) => r.body.header.type === 'order/created');
    assert.ok(createdAttempts.length >= 2, `retried: ${createdAttempts.length}`);
    const lastCreated = Math.max(...createdAttempts.map((r) => r.receivedAt));
    for (const r of rx.accepted()) {
      assert.ok(r.receivedAt >= lastCreated, 'the next event waited for the given-up one');
      rx.verify(w.secret, r);
    }
    assert.deepEqual(rx.accepted().map((r) => r.body.header.type), later);
    const log = await api.deliveries(t, w.id);
    const givenUp = log.filter((d) => d.eventType === 'order/created');
    assert.ok(givenUp.every((d) => !d.success && d.statusCode === 500));
    assert.match(givenUp[0].error, /^HTTP 500; given up after \d+ attempt/);

    await pollUntil(
      async () => {
        const failed = await api.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE state = 'failed' AND queue_key LIKE $1`, [`wh:${dead.id}:%`]);
        return Number(failed[0].n) === events.length;
      },
      { timeoutMs: 60_000, message: 'every delivery to the dead endpoint given up' },
    );
    assert.equal(await api.health(t, dead.id), 'FAILING');
  });
});

describe('webhooks: nothing is lost when the server is killed', () => {
  let server: TestServer;
  let api: Api;
  let rx: WebhookReceiver;

  before(async () => {
    server = await startServer({ env: { ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true', ORDERGRAPH_WEBHOOK_RETRY_BASE_MS: '200' } });
    api = await Api.open(server);
    rx = await startReceiver();
  });
  after(async () => {
    await api?.close();
    await server?.stop();
    await rx?.stop();
  });

  it('delivers ~1,000 events queued while the receiver was down after a SIGKILL and a restart', async () => {
    const t = await api.tenant();
    const w = await api.createWebhook(t, { endpoint: rx.url });
    await rx.stop(); // the endpoint is down: every attempt fails, events pile up
    await inParallel(334, 8, () => api.createOrder(t, { opened: true })); // 3 events each
    const events = await api.outbox(t.merchantId);
    assert.ok(events.length >= 1000, String(events.length));

    await server.kill('SIGKILL');
    await rx.start();
    await server.restart();

    await expectAllDelivered(api, t, w, rx, 240_000);
    assert.equal(new Set(rx.accepted().map((r) => r.id)).size, events.length);
  });
});

describe('webhooks: SSRF guard', () => {
  let server: TestServer;
  let api: Api;
  let rx: WebhookReceiver;

  before(async () => {
    server = await startServer({ env: { ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true', ORDERGRAPH_WEBHOOK_RETRY_BASE_MS: '100' } });
    api = await Api.open(server);
    rx = await startReceiver();
  });
  after(async () => {
    await api?.close();
    await server?.stop();
    await rx?.stop();
  });

  it('refuses loopback endpoints at creation and at delivery unless ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE=true', async () => {
    const t = await api.tenant();
    // Subscribed while private endpoints were allowed...
    const w = await api.createWebhook(t, { endpoint: rx.url });
    // ...then the operator turns the flag off.
    (server.env as Record<string, string>).ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE = 'false';
    await server.restart();
    const token = t.merchantToken; // tokens outlive a restart (persisted signing keys)

    for (const endpoint of [rx.url, 'http://localhost:8080/hook', 'http://[::1]/hook', 'http://[::ffff:127.0.0.1]/x', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/x', 'http://2130706433/x']) {
      const e = error(await api.gql(token, 'mutation($i: WebhookInput!) { webhookCreate(input: $i) { id } }', { i: { endpoint } }));
      assert.equal(e.code, 'BAD_USER_INPUT', endpoint);
      assert.match(e.message, /^`endpoint` must not point to a private or loopback address/, endpoint);
    }
    const upd = error(await api.gql(token, 'mutation($id: String!) { webhookUpdate(id: $id, input: { endpoint: "http://127.0.0.1:1/x" }) { id } }', { id: w.id }));
    assert.equal(upd.code, 'BAD_USER_INPUT');

    // The existing loopback webhook is refused at delivery time: logged, never sent.
    await api.createOrder(t);
    await pollUntil(async () => (await api.deliveries(t, w.id)).length >= 1, { timeoutMs: 30_000 });
    const [attempt] = await api.deliveries(t, w.id);
    assert.equal(attempt.success, false);
    assert.equal(attempt.statusCode, null);
    assert.match(attempt.error, /^refused: 127\.0\.0\.1 is a loopback address/);
    assert.equal(rx.received.length, 0);
  });
});
