/**
 * The Orders API (`POST /graphql`, merchant dialect) for end-to-end tests: a small client bound to one token, a
 * merchant + supplier "tenant" made with the CLI, assertions on GraphQL errors, waiting for a PENDING dispatchable
 * request to settle, and starting production through the Fulfiller API. The documents and response types are in
 * order-documents.ts, re-exported from here so tests import everything from this one file.
 *
 *   const t = await createTenant(server);                 // merchant (default supplier) + supplier + clients
 *   const order = await t.api.create(orderInput());       // DRAFT
 *   const req = await t.api.update({ id: order.id, comment: 'x' });
 *   const done = await t.api.settled(req.id);             // polls dispatchableRequest(id) until not PENDING
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gql } from './graphql.ts';
import type { CliRunner, OAuthClient, Organization } from './oauth.ts';
import {
  DISPATCHABLE_REQUEST,
  FULFILLER_UPDATE_ORDERS,
  ORDER_BY_ID,
  ORDER_BY_REF,
  ORDER_CANCEL,
  ORDER_CREATE,
  ORDER_OPEN,
  ORDER_REQUEST_FULFILLMENT,
  ORDER_UPDATE,
  ORDERS,
  type DispatchableRequest,
  type Gql,
  type Order,
  type OrderConnection,
  type OrderEvent,
} from './order-documents.ts';
import { pollUntil } from './poll.ts';
import { INTEGRATOR_SCOPES } from './scopes.ts';
import { createTradingPair } from './trading-pair.ts';

export * from './order-documents.ts';

/** A unique external reference (unique across test files and runs). */
export function uniqueRef(prefix = 'REF'): string {
  return `${prefix}-${randomUUID().slice(0, 13)}`;
}

/** A valid OrderInput for orderCreate, with one line and a unique external reference; `over` wins. */
export function orderInput(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    externalReference: uniqueRef('ORD'),
    invoiceNumber: 'INV-1',
    type: 'B2C',
    dispatchingType: 'AUTOMATIC',
    priority: 'NORMAL',
    inventoryPolicy: 'DENY',
    total: 39.8,
    totalTaxInclusive: 47.76,
    totalShipping: 4.9,
    currency: 'EUR',
    issuedAt: '2026-11-22T10:00:00.000Z',
    comment: 'first comment',
    delivery: {
      type: 'PERSON',
      fullname: 'Jane Doe',
      email: 'jane.doe@example.com',
      address: '456 Rue de Rivoli',
      addressComplement: 'Bât. B',
      zipcode: '75004',
      city: 'Paris',
      country: 'FR',
      phone: '+33698765432',
    },
    lines: [{ sku: 'TSHIRT-BLK-M', label: 'T-shirt black M', quantity: 2, price: 19.9, vatRate: 20 }],
    ...over,
  };
}

/** Asserts the call succeeded (HTTP 200, no `errors`) and returns `data[field]`. */
export function dataOf<T = any>(r: Gql, field: string): T {
  assert.equal(r.status, 200, `HTTP ${r.status}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.errors, undefined, `unexpected errors: ${JSON.stringify(r.body.errors)}`);
  assert.ok(r.body.data && r.body.data[field] != null, `no data.${field}: ${JSON.stringify(r.body)}`);
  return r.body.data[field] as T;
}

/**
 * Asserts a GraphQL error (HTTP 200 unless `status` says otherwise) whose first error has `extensions.code ===
 * code` and whose message matches every pattern; returns that error.
 */
export function expectGraphQLError(
  r: Gql,
  code: string,
  patterns: (RegExp | string)[] = [],
  opts: { status?: number; field?: string } = {},
): { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] } {
  const shown = JSON.stringify(r.body);
  assert.equal(r.status, opts.status ?? 200, `HTTP ${r.status}: ${shown}`);
  assert.ok(Array.isArray(r.body.errors) && r.body.errors.length > 0, `expected a ${code} error, got ${shown}`);
  const error = r.body.errors[0];
  assert.equal(error.extensions?.code, code, `expected ${code}, got ${shown}`);
  for (const p of patterns) {
    if (typeof p === 'string') assert.ok(error.message.includes(p), `message ${JSON.stringify(error.message)} should name ${JSON.stringify(p)}`);
    else assert.match(error.message, p, `message ${JSON.stringify(error.message)} should match ${p}`);
  }
  if (opts.field !== undefined && r.body.data) assert.equal(r.body.data[opts.field], null, `data.${opts.field} should be null: ${shown}`);
  return error as never;
}

/** The Orders API for one token. `tryX` returns the raw HTTP result; `x` asserts success and returns the data. */
export class OrdersApi {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  call(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<Gql> {
    return gql(this.url, this.token, query, variables, { headers });
  }

  tryCreate(input: Record<string, unknown>, headers?: Record<string, string>): Promise<Gql> {
    return this.call(ORDER_CREATE, { input }, headers);
  }
  async create(input: Record<string, unknown> = orderInput()): Promise<Order> {
    return dataOf<Order>(await this.tryCreate(input), 'orderCreate');
  }

  tryUpdate(input: Record<string, unknown>, headers?: Record<string, string>): Promise<Gql> {
    return this.call(ORDER_UPDATE, { input }, headers);
  }
  async update(input: Record<string, unknown>): Promise<DispatchableRequest> {
    return dataOf<DispatchableRequest>(await this.tryUpdate(input), 'orderUpdate');
  }

  tryOpen(id: string, headers?: Record<string, string>): Promise<Gql> {
    return this.call(ORDER_OPEN, { id }, headers);
  }
  async open(id: string): Promise<DispatchableRequest> {
    return dataOf<DispatchableRequest>(await this.tryOpen(id), 'orderOpen');
  }

  tryCancel(id: string, headers?: Record<string, string>): Promise<Gql> {
    return this.call(ORDER_CANCEL, { id }, headers);
  }
  async cancel(id: string): Promise<DispatchableRequest> {
    return dataOf<DispatchableRequest>(await this.tryCancel(id), 'orderCancel');
  }

  tryRequestFulfillment(id: string, headers?: Record<string, string>): Promise<Gql> {
    return this.call(ORDER_REQUEST_FULFILLMENT, { id }, headers);
  }
  async requestFulfillment(id: string): Promise<DispatchableRequest> {
    return dataOf<DispatchableRequest>(await this.tryRequestFulfillment(id), 'orderRequestFulfillment');
  }

  tryOrder(id: string): Promise<Gql> {
    return this.call(ORDER_BY_ID, { id });
  }
  /** The order with its `events`. */
  async order(id: string): Promise<Order> {
    return dataOf<Order>(await this.tryOrder(id), 'order');
  }

  tryOrderByRef(ref: string): Promise<Gql> {
    return this.call(ORDER_BY_REF, { ref });
  }
  async orderByRef(ref: string): Promise<Order> {
    return dataOf<Order>(await this.tryOrderByRef(ref), 'order');
  }

  tryOrders(args: { first?: number; after?: string | null; filter?: Record<string, unknown> } = {}): Promise<Gql> {
    return this.call(ORDERS, args);
  }
  async orders(args: { first?: number; after?: string | null; filter?: Record<string, unknown> } = {}): Promise<OrderConnection> {
    return dataOf<OrderConnection>(await this.tryOrders(args), 'orders');
  }

  /** Every order matching `filter`, walking the pages `first` at a time; checks the connection as it goes. */
  async allOrders(filter: Record<string, unknown> = {}, first = 20): Promise<{ nodes: OrderConnection['edges'][number]['node'][]; pages: number; totalCount: number }> {
    const nodes: OrderConnection['edges'][number]['node'][] = [];
    let after: string | null = null;
    let pages = 0;
    let totalCount = -1;
    for (;;) {
      const page: OrderConnection = await this.orders({ first, after, filter });
      pages++;
      if (totalCount === -1) totalCount = page.totalCount;
      else assert.equal(page.totalCount, totalCount, 'totalCount changed while paging');
      assert.ok(page.edges.length <= first, `page of ${page.edges.length} > first ${first}`);
      assert.equal(page.pageInfo.hasPreviousPage, after !== null);
      if (page.edges.length) {
        assert.equal(page.pageInfo.startCursor, page.edges[0].cursor);
        assert.equal(page.pageInfo.endCursor, page.edges.at(-1)!.cursor);
      }
      nodes.push(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasNextPage) break;
      assert.ok(page.pageInfo.endCursor, 'hasNextPage without endCursor');
      after = page.pageInfo.endCursor;
      assert.ok(pages < 1000, 'paging does not end');
    }
    return { nodes, pages, totalCount };
  }

  tryRequest(id: string): Promise<Gql> {
    return this.call(DISPATCHABLE_REQUEST, { id });
  }
  async request(id: string): Promise<DispatchableRequest> {
    return dataOf<DispatchableRequest>(await this.tryRequest(id), 'dispatchableRequest');
  }

  /** Polls `dispatchableRequest(id)` until it is no longer PENDING. */
  async settled(id: string, timeoutMs = 20_000): Promise<DispatchableRequest> {
    return pollUntil(
      async () => {
        const r = await this.request(id);
        return r.state === 'PENDING' ? undefined : r;
      },
      { timeoutMs, intervalMs: 50, message: `dispatchable request ${id} still PENDING` },
    );
  }
}

export interface Tenant {
  merchant: Organization;
  supplier: Organization;
  merchantClient: OAuthClient;
  supplierClient: OAuthClient;
  /** The Orders API with the merchant client's full scopes. */
  api: OrdersApi;
  /** A Fulfiller API token of the supplier client (access to the merchant too). */
  supplierToken: string;
}

/**
 * A supplier, a merchant whose default supplier it is (unless `defaultSupplier: false`), a merchant client
 * (`merchantScopes`, default INTEGRATOR_SCOPES: every merchant scope) and a supplier client with the Fulfiller scopes and access to
 * the merchant — all made with the CLI — and a token for each (see trading-pair.ts).
 */
export async function createTenant(
  server: CliRunner & { url: string },
  opts: { defaultSupplier?: boolean; merchantScopes?: string } = {},
): Promise<Tenant> {
  const { merchantToken, ...pair } = await createTradingPair(server, {
    defaultSupplier: opts.defaultSupplier,
    merchantScopes: opts.merchantScopes ?? INTEGRATOR_SCOPES,
  });
  return { ...pair, api: new OrdersApi(server.url, merchantToken) };
}

/** Moves orders (by `number`) to a fulfilment status through the Fulfiller API; asserts it worked. */
export async function fulfillerSetStatus(url: string, supplierToken: string, numbers: number[], status: number): Promise<void> {
  const r = await gql(url, supplierToken, FULFILLER_UPDATE_ORDERS, { orders: numbers.map((id) => ({ id, status })) }, { path: '/fulfiller/graphql' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.errors, undefined, `Fulfiller updateOrders failed: ${JSON.stringify(r.body)}`);
  const results = r.body.data?.core?.updateOrders as { id: number; status: number }[];
  assert.deepEqual(
    results.map((o) => [o.id, o.status]),
    numbers.map((n) => [n, status]),
  );
}

/** Starts production of an OPENED order: the supplier moves it to status 4 In Production. */
export function startProduction(url: string, supplierToken: string, order: Pick<Order, 'number'>): Promise<void> {
  return fulfillerSetStatus(url, supplierToken, [order.number], 4);
}

/** The order's events whose action is `action`. */
export function eventsOf(order: Order, action: string): OrderEvent[] {
  return (order.events ?? []).filter((e) => e.action === action);
}

/** `{ field: { from, to } }` of one event, for deepEqual. */
export function changesOf(event: OrderEvent): Record<string, { from: unknown; to: unknown }> {
  return Object.fromEntries(event.changes.map((c) => [c.field, { from: c.from, to: c.to }]));
}
