/**
 * The webhook e2e files' view of a server under test (SPEC §6): tenants, webhooks, their deliveries log, orders
 * and the outbox, and the check that every event was delivered, verified and in order per order.
 */
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './test-server.ts';
import { createClient, createOrganization, getToken } from './oauth.ts';
import { gql, type GraphQLBody } from './graphql.ts';
import { openDirectDb, type DirectDb } from './direct-db.ts';
import { pollUntil } from './poll.ts';
import { startReceiver, type WebhookReceiver, type ReceivedWebhook } from './webhook-receiver.ts';
import { messageIdFor } from '../../src/webhooks/webhook-signing.ts';
import { EVENT_TYPES } from '../../src/webhooks/outbox.ts';


const WEBHOOK = 'id endpoint events headers secret enabled health createdAt updatedAt';
export const DELIVERY = 'id webhookId eventId eventType attempt success statusCode durationMs error createdAt';

export interface Tenant {
  merchantId: string;
  merchantToken: string;
}

export interface WebhookView {
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
export function data<D>(r: { status: number; body: GraphQLBody<D> }): D {
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return r.body.data as D;
}

/** The one error of a GraphQL call. */
export function error(r: { status: number; body: GraphQLBody }): { code?: string; message: string } {
  assert.equal(r.status, 200);
  assert.equal(r.body.errors?.length, 1, JSON.stringify(r.body));
  return { code: r.body.errors![0].extensions?.code, message: r.body.errors![0].message };
}

/** What a server under test can do, for one tenant at a time. */
export class Api {
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
export async function expectAllDelivered(api: Api, t: Tenant, webhook: WebhookView, receiver: WebhookReceiver, timeoutMs = 60_000): Promise<ReceivedWebhook[]> {
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

export const sequentially = async <T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> => {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await fn(i));
  return out;
};

/** Runs `fn` for 0..n-1 with at most `width` calls in flight. */
export async function inParallel<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
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

/** A webhook file's server, its Api, and the receivers started for it; `stop()` ends all three. */
export interface WebhookWorld {
  server: TestServer;
  api: Api;
  /** A receiver on 127.0.0.1, stopped with the world. */
  receiver(): Promise<WebhookReceiver>;
  stop(): Promise<void>;
}

/** Starts a server that may deliver to loopback (the receivers are there), with `env` on top. */
export async function startWebhookWorld(env: Record<string, string>): Promise<WebhookWorld> {
  const server = await startServer({ env: { ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true', ...env } });
  const api = await Api.open(server).catch(async (e) => {
    await server.stop();
    throw e;
  });
  const receivers: WebhookReceiver[] = [];
  return {
    server,
    api,
    async receiver() {
      const r = await startReceiver();
      receivers.push(r);
      return r;
    },
    async stop() {
      await api.close();
      await server.stop();
      await Promise.all(receivers.map((r) => r.stop()));
    },
  };
}
