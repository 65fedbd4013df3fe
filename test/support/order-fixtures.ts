/**
 * Orders for end-to-end tests: a merchant routed to a supplier with a client on each side, and thin wrappers over
 * the Orders API and Fulfiller API calls the durability and concurrency tests repeat thousands of times. Every
 * wrapper throws, with the response, unless the call succeeded, so a test never mistakes an error for data.
 */
import { gql, type GraphQLBody } from './graphql.ts';
import type { HttpResult } from './http-response.ts';
import type { CliRunner, OAuthClient, Organization } from './oauth.ts';
import { MERCHANT_SCOPES } from './scopes.ts';
import { createTradingPair } from './trading-pair.ts';


export interface OrderParties {
  merchant: Organization;
  supplier: Organization;
  merchantClient: OAuthClient;
  fulfillerClient: OAuthClient;
  merchantToken: string;
  fulfillerToken: string;
}

/**
 * A supplier, a merchant whose orders are routed to it by default, and a client with a token for each (the
 * trading pair of trading-pair.ts, its supplier side named for the Fulfiller API it calls).
 */
export async function createOrderParties(server: CliRunner & { url: string }): Promise<OrderParties> {
  const { supplierClient, supplierToken, ...pair } = await createTradingPair(server, { merchantScopes: MERCHANT_SCOPES });
  return { ...pair, fulfillerClient: supplierClient, fulfillerToken: supplierToken };
}

export interface DispatchableRequest {
  id: string;
  type: string;
  state: 'PENDING' | 'ACCEPTED' | 'REJECTED';
  message: string | null;
  orderId: string;
}

export interface OrderEvent {
  id: string;
  action: string;
  requestId: string | null;
  changes: { field: string; from: unknown; to: unknown }[];
}

export interface OrderSnapshot {
  id: string;
  number: number;
  state: string;
  status: number;
  version: number;
  comment: string | null;
  invoiceNumber: string | null;
  shippingCarrier: string | null;
  shippingTracking: string | null;
  events: OrderEvent[];
}

const REQUEST_FIELDS = 'id type state message orderId';
const ORDER_FIELDS =
  'id number state status version comment invoiceNumber shippingCarrier shippingTracking events { id action requestId changes { field from to } }';

function dataOrThrow<T>(what: string, r: HttpResult<GraphQLBody>, key: string): T {
  const value = r.body?.data?.[key];
  if (r.status !== 200 || r.body?.errors?.length || value == null) {
    throw new Error(`${what} failed: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 2000)}`);
  }
  return value as T;
}

/** One order line, enough for `orderCreate`. */
export const ONE_LINE = [{ sku: 'SKU-1', label: 'Poster A2', quantity: 1, price: 12.5, vatRate: 20 }];

/** `orderCreate`; `state: 'OPENED'` creates and opens it in one transaction (version 2). */
export async function createOrder(url: string, token: string, input: Record<string, unknown> = {}): Promise<OrderSnapshot> {
  const r = await gql(url, token, `mutation($input: OrderInput!) { orderCreate(input: $input) { ${ORDER_FIELDS} } }`, {
    input: { lines: ONE_LINE, ...input },
  });
  return dataOrThrow('orderCreate', r, 'orderCreate');
}

/** `orderUpdate`, as the raw HTTP result (a test that kills the server needs to see failures as they are). */
export function orderUpdateRaw(url: string, token: string, input: Record<string, unknown>): Promise<HttpResult<GraphQLBody>> {
  return gql(url, token, `mutation($input: OrderInput!) { orderUpdate(input: $input) { ${REQUEST_FIELDS} } }`, { input });
}

/** `orderUpdate`; throws unless it answers a DispatchableRequest. */
export async function updateOrder(url: string, token: string, input: Record<string, unknown>): Promise<DispatchableRequest> {
  return dataOrThrow('orderUpdate', await orderUpdateRaw(url, token, input), 'orderUpdate');
}

export async function getOrder(url: string, token: string, id: string): Promise<OrderSnapshot> {
  const r = await gql(url, token, `query($id: String) { order(id: $id) { ${ORDER_FIELDS} } }`, { id });
  return dataOrThrow(`order(${id})`, r, 'order');
}

export async function getDispatchableRequest(url: string, token: string, id: string): Promise<DispatchableRequest> {
  const r = await gql(url, token, `query($id: String!) { dispatchableRequest(id: $id) { ${REQUEST_FIELDS} } }`, { id });
  return dataOrThrow(`dispatchableRequest(${id})`, r, 'dispatchableRequest');
}

export interface FulfillerOrderInput {
  id: number;
  status?: number;
  shipping_carrier?: string;
  shipping_method?: string;
  shipping_tracking?: string;
}

/** Fulfiller API `core { updateOrders }`; returns the whole GraphQL body (per-order errors are part of the result). */
export async function fulfillerUpdateOrders(url: string, token: string, orders: FulfillerOrderInput[]): Promise<GraphQLBody> {
  const r = await gql(
    url,
    token,
    'mutation($orders: [OrderInput]) { core { updateOrders(orders: $orders) { id status shipping_carrier shipping_tracking } } }',
    { orders },
    { path: '/fulfiller/graphql' },
  );
  if (r.status !== 200) throw new Error(`updateOrders failed: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 2000)}`);
  return r.body;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
