/**
 * Helpers for Fulfiller API end-to-end tests (SPEC §5): a merchant routed to a supplier, their clients and tokens,
 * merchant-side order creation on `/graphql` (one by one or many at once), `core { updateOrders }` and
 * `core { orders / order }` calls on `/fulfiller/graphql`, and assertions on GraphQL errors.
 *
 *   const w = await createFulfillerWorld(server);
 *   const order = await createOrder(w, { state: 'OPENED' });
 *   const r = await updateOrders(w.url, w.supplierToken, [{ id: order.number, status: 4 }]);
 */
import assert from 'node:assert/strict';
import { gql, type GraphQLBody } from './graphql.ts';
import type { HttpResult } from './http-response.ts';
import type { CliRunner } from './oauth.ts';
import { uniqueRef } from './orders-api.ts';
import { pollUntil } from './poll.ts';
import { MERCHANT_SCOPES } from './scopes.ts';
import { createTradingPair, type TradingPair } from './trading-pair.ts';

export const FULFILLER_PATH = { path: '/fulfiller/graphql' } as const;

/** A trading pair (trading-pair.ts) and the server it lives on. */
export interface FulfillerWorld extends TradingPair {
  url: string;
}

/**
 * A supplier organization, a merchant whose default supplier it is, a merchant client
 * (`view_orders create_orders edit_orders`) and a supplier client (both order-it scopes, access to the merchant),
 * with a token for each.
 */
export async function createFulfillerWorld(server: CliRunner & { url: string }): Promise<FulfillerWorld> {
  return { url: server.url, ...(await createTradingPair(server, { merchantScopes: MERCHANT_SCOPES })) };
}

/** A complete merchant OrderInput; `overrides` replace top-level fields. */
export function orderInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    state: 'OPENED',
    externalReference: uniqueRef('ext'),
    delivery: {
      type: 'PERSON',
      fullname: 'Ada Lovelace',
      email: 'ada@example.com',
      address: '12 Analytical Row',
      addressComplement: 'Flat 3',
      zipcode: 'EC1A 1BB',
      city: 'London',
      country: 'GB',
      phone: '+44 20 7946 0000',
    },
    lines: [
      { sku: 'TSHIRT-RED-M', label: 'Red T-shirt, M', quantity: 2, price: 12.5, vatRate: 20 },
      { sku: 'MUG-WHITE', label: 'White mug', quantity: 1, price: 8, vatRate: 20 },
    ],
    ...overrides,
  };
}

export interface CreatedOrder {
  id: string;
  number: number;
  state: string;
  status: number;
  externalReference: string | null;
}

const CREATED_FIELDS = 'id number state status externalReference';

/** Asserts HTTP 200 without GraphQL errors and returns `data`. */
export function expectData<D = any>(r: HttpResult<GraphQLBody<D>>, what = 'request'): D {
  assert.equal(r.status, 200, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body.errors, undefined, `${what}: unexpected errors ${JSON.stringify(r.body.errors)}`);
  assert.ok(r.body.data, `${what}: no data in ${JSON.stringify(r.body)}`);
  return r.body.data;
}

/** Creates one order as the merchant (`state: OPENED` unless overridden); throws unless it worked. */
export async function createOrder(
  w: Pick<FulfillerWorld, 'url' | 'merchantToken'>,
  overrides: Record<string, unknown> = {},
): Promise<CreatedOrder> {
  const r = await gql(
    w.url,
    w.merchantToken,
    `mutation($input: OrderInput!) { orderCreate(input: $input) { ${CREATED_FIELDS} } }`,
    { input: orderInput(overrides) },
  );
  return expectData(r, 'orderCreate').orderCreate;
}

/**
 * Creates `count` orders as the merchant, `batchSize` aliased `orderCreate` mutations per request and
 * `concurrency` requests at a time. Falls back to one order per request if the server refuses a batch (e.g. an
 * alias limit). Returned in creation order (ascending `number` within a batch).
 */
export async function createOrders(
  w: Pick<FulfillerWorld, 'url' | 'merchantToken'>,
  count: number,
  make: (i: number) => Record<string, unknown> = () => ({}),
  opts: { batchSize?: number; concurrency?: number } = {},
): Promise<CreatedOrder[]> {
  let batchSize = opts.batchSize ?? 50;
  const concurrency = opts.concurrency ?? 4;
  const result: CreatedOrder[] = new Array(count);
  let next = 0;

  async function createBatch(start: number, end: number): Promise<boolean> {
    const defs: string[] = [];
    const fields: string[] = [];
    const variables: Record<string, unknown> = {};
    for (let i = start; i < end; i++) {
      defs.push(`$i${i}: OrderInput!`);
      fields.push(`o${i}: orderCreate(input: $i${i}) { ${CREATED_FIELDS} }`);
      variables[`i${i}`] = orderInput(make(i));
    }
    const r = await gql(w.url, w.merchantToken, `mutation(${defs.join(', ')}) { ${fields.join('\n')} }`, variables);
    if (end - start > 1 && (r.status !== 200 || !r.body.data)) return false; // refused as a whole: try smaller
    const data = expectData(r, `orderCreate batch ${start}..${end - 1}`);
    for (let i = start; i < end; i++) result[i] = data[`o${i}`];
    return true;
  }

  async function lane(): Promise<void> {
    while (next < count) {
      const start = next;
      const end = Math.min(count, start + batchSize);
      next = end;
      if (!(await createBatch(start, end))) {
        batchSize = 1;
        for (let i = start; i < end; i++) await createBatch(i, i + 1);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return result;
}

export const UPDATE_FIELDS = 'id shipping_carrier shipping_method shipping_tracking status status_name';

/** `core { updateOrders(orders: $orders) { <fields> } }` on the Fulfiller API; the raw HTTP result. */
export function updateOrders(
  url: string,
  token: string,
  orders: unknown[] | null,
  fields = UPDATE_FIELDS,
): Promise<HttpResult<GraphQLBody>> {
  return gql(
    url,
    token,
    `mutation($orders: [OrderInput]) { core { updateOrders(orders: $orders) { ${fields} } } }`,
    { orders },
    FULFILLER_PATH,
  );
}

/** `updateOrders` that must succeed for every order; returns the result list. */
export async function updateOrdersOk(url: string, token: string, orders: unknown[], fields = UPDATE_FIELDS): Promise<any[]> {
  const data = expectData(await updateOrders(url, token, orders, fields), 'updateOrders');
  return data.core.updateOrders;
}

export const FULFILLER_ORDER_FIELDS = `id ref external_ref status status_name shipping_carrier shipping_method shipping_tracking
  shipping_company shipping_address_1 shipping_address_2 shipping_address_3 shipping_address_4 shipping_address_5
  shipping_postcode shipping_country_code customer_name customer_email customer_telephone sale_datetime
  creation_datetime items { id ref external_ref sku description quantity status status_name }`;

/** `core { order(id) }` on the Fulfiller API; the raw HTTP result. */
export function fulfillerOrder(url: string, token: string, id: number, fields = FULFILLER_ORDER_FIELDS) {
  return gql(url, token, `query($id: Int!) { core { order(id: $id) { ${fields} } } }`, { id }, FULFILLER_PATH);
}

/** `core { orders(...) }` on the Fulfiller API; the raw HTTP result. */
export function fulfillerOrders(url: string, token: string, args: Record<string, unknown> = {}, fields = 'id status') {
  return gql(
    url,
    token,
    `query($ids: [Int!], $status: [Int!], $updated_since: String, $limit: Int, $after_id: Int) {
      core { orders(ids: $ids, status: $status, updated_since: $updated_since, limit: $limit, after_id: $after_id) { ${fields} } } }`,
    args,
    FULFILLER_PATH,
  );
}

/** Every order `core { orders }` returns for `args`, walking pages of `limit` with `after_id`. */
export async function allFulfillerOrders(
  url: string,
  token: string,
  args: Record<string, unknown> = {},
  limit = 500,
  fields = 'id status',
): Promise<any[]> {
  const all: any[] = [];
  let afterId: number | undefined;
  for (;;) {
    const data = expectData(await fulfillerOrders(url, token, { ...args, limit, after_id: afterId }, fields), 'core.orders');
    const page = data.core.orders;
    all.push(...page);
    if (page.length < limit) return all;
    afterId = page[page.length - 1].id;
  }
}

export const MERCHANT_ORDER_FIELDS = `id number state status statusName shippingCarrier shippingMethod shippingTracking
  locked version comment lines { id sku status } updatedAt
  events { action clientId changes { field from to } createdAt }`;

/** The order as the merchant reads it on `/graphql` (`order(id)`); throws unless it worked. */
export async function merchantOrder(url: string, token: string, id: string, fields = MERCHANT_ORDER_FIELDS): Promise<any> {
  const r = await gql(url, token, `query($id: String!) { order(id: $id) { ${fields} } }`, { id });
  return expectData(r, 'order').order;
}

/** Polls `dispatchableRequest(id)` until it is no longer PENDING; returns `{ id type state message }`. */
export async function settledRequest(url: string, token: string, id: string, timeoutMs = 15_000): Promise<any> {
  return pollUntil(
    async () => {
      const r = await gql(url, token, 'query($id: String!) { dispatchableRequest(id: $id) { id type state message } }', { id });
      const req = expectData(r, 'dispatchableRequest').dispatchableRequest;
      return req.state === 'PENDING' ? undefined : req;
    },
    { timeoutMs, intervalMs: 50, message: `dispatchable request ${id} still PENDING` },
  );
}

export interface ExpectedError {
  code: string;
  path?: (string | number)[];
  message?: RegExp | string;
}

/**
 * An error path with list indices as numbers. The helpers below compare paths through this, so that one bug in how
 * indices are serialized fails the tests written for it (see `assertNumericIndexPath`) rather than every test
 * that happens to look at an error.
 */
export const normalizePath = (path: readonly (string | number)[] | undefined) =>
  path?.map((p) => (typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p));

/** Asserts that `path` is exactly `expected`, list indices being JSON numbers (GraphQL spec §7.1.2). */
export function assertNumericIndexPath(path: unknown, expected: (string | number)[]): void {
  assert.deepEqual(path, expected, `error path ${JSON.stringify(path)}: list indices must be numbers`);
}

/** Finds the one error at `path` (indices compared by value) and checks its code and message. */
export function assertErrorAt(body: GraphQLBody, expected: ExpectedError & { path: (string | number)[] }): void {
  const key = JSON.stringify(expected.path);
  const matches = (body.errors ?? []).filter((e) => JSON.stringify(normalizePath(e.path)) === key);
  assert.equal(matches.length, 1, `expected one error at ${key} in ${JSON.stringify(body.errors)}`);
  const [e] = matches;
  assert.equal(e.extensions?.code, expected.code, JSON.stringify(e));
  if (expected.message instanceof RegExp) assert.match(e.message, expected.message);
  else if (expected.message !== undefined) assert.ok(e.message.includes(expected.message), `${JSON.stringify(e.message)} lacks ${expected.message}`);
}

/** Asserts exactly one GraphQL error (HTTP 200) with `code` (and optionally path/message); returns it. */
export function assertSingleError(r: HttpResult<GraphQLBody>, expected: ExpectedError) {
  assert.equal(r.status, 200, `HTTP ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body.errors?.length, 1, `expected one error, got ${JSON.stringify(r.body)}`);
  const e = r.body.errors![0];
  assert.equal(e.extensions?.code, expected.code, JSON.stringify(e));
  if (expected.path) assert.deepEqual(normalizePath(e.path), expected.path, `path ${JSON.stringify(e.path)}`);
  if (expected.message instanceof RegExp) assert.match(e.message, expected.message);
  else if (expected.message !== undefined) assert.ok(e.message.includes(expected.message), `${JSON.stringify(e.message)} lacks ${expected.message}`);
  return e;
}
