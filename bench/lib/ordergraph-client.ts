/** The few one-off calls a scenario's set-up needs: a token, a GraphQL call, creating orders. */
import { request } from 'undici';
import type { Demo } from './bench-database.ts';

export function tokenForm(client: { client_id: string; client_secret: string }): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: client.client_id,
    client_secret: client.client_secret,
  }).toString();
}

export async function fetchToken(origin: string, client: Demo['merchant']): Promise<string> {
  const res = await request(`${origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenForm(client),
  });
  const body = (await res.body.json()) as { access_token?: string };
  if (res.statusCode !== 200 || !body.access_token) throw new Error(`token request failed: HTTP ${res.statusCode} ${JSON.stringify(body)}`);
  return body.access_token;
}

export async function gql<D = any>(origin: string, token: string, query: string, variables?: object): Promise<D> {
  const res = await request(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.body.json()) as { data?: D; errors?: unknown[] };
  if (res.statusCode !== 200 || body.errors || !body.data) {
    throw new Error(`GraphQL call failed: HTTP ${res.statusCode} ${JSON.stringify(body).slice(0, 500)}`);
  }
  return body.data;
}

const ORDER_CREATE = 'mutation($input: OrderInput!) { orderCreate(input: $input) { id number state } }';

/** Creates `count` orders in `state`, `concurrency` at a time; returns their ids in creation order. */
export async function createOrders(
  origin: string,
  token: string,
  count: number,
  state: 'DRAFT' | 'OPENED',
  concurrency = 16,
): Promise<string[]> {
  const ids: string[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const data = await gql<{ orderCreate: { id: string; state: string } }>(origin, token, ORDER_CREATE, {
        input: { state, currency: 'EUR', comment: `bench order ${i}`, lines: [{ sku: 'a', label: 'bench', quantity: 1, price: 1 }] },
      });
      if (data.orderCreate.state !== state) throw new Error(`orderCreate gave state ${data.orderCreate.state}, wanted ${state}`);
      ids[i] = data.orderCreate.id;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return ids;
}

/** Aliases per document: the server refuses more than 100 (src/http/graphql-alias-limit.ts). */
export const MAX_ALIASES = 100;

/**
 * Creates `count` minimal orders (`{state, lines: [{sku: "a", quantity}]}`, quantity 1 unless given), up to 100
 * aliased `orderCreate`s per request and `concurrency` requests at a time. Much faster than one order per request
 * when thousands are needed. Returns `{id, number}` in creation order.
 */
export async function createOrdersBulk(
  origin: string,
  token: string,
  count: number,
  state: 'DRAFT' | 'OPENED',
  concurrency = 4,
  quantity = 1,
): Promise<{ id: string; number: number }[]> {
  const out: { id: string; number: number }[] = new Array(count);
  const batches = Math.ceil(count / MAX_ALIASES);
  let next = 0;
  const lane = async () => {
    while (next < batches) {
      const b = next++;
      const from = b * MAX_ALIASES;
      const n = Math.min(MAX_ALIASES, count - from);
      const fields = Array.from(
        { length: n },
        (_, k) => `o${k}: orderCreate(input: {state: ${state}, lines: [{sku: "a", quantity: ${quantity}}]}) { id number state }`,
      );
      const data = await gql<Record<string, { id: string; number: number; state: string }>>(origin, token, `mutation { ${fields.join('\n')} }`);
      for (let k = 0; k < n; k++) {
        const o = data[`o${k}`];
        if (!o || o.state !== state) throw new Error(`orderCreate gave ${JSON.stringify(o)}, wanted state ${state}`);
        out[from + k] = { id: o.id, number: o.number };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches) }, lane));
  return out;
}

/** `webhookCreate(input: {endpoint, events: []})` (every event) with a merchant token (scope edit_integrations). */
export async function createWebhook(origin: string, token: string, endpoint: string): Promise<string> {
  const data = await gql<{ webhookCreate: { id: string } }>(
    origin,
    token,
    'mutation($input: WebhookInput!) { webhookCreate(input: $input) { id } }',
    { input: { endpoint, events: [] } },
  );
  return data.webhookCreate.id;
}

/**
 * `count` DRAFT `orderUpdate`s that each change the comment (so each is applied at once and emits one
 * `order/updated` event), up to 100 aliased per request, `concurrency` requests at a time. Update number e goes to
 * order e mod orders.length, so one request never touches an order twice when it has ≥ 100 orders.
 */
export async function updateCommentsBulk(
  origin: string,
  token: string,
  orderIds: string[],
  count: number,
  tag: string,
  concurrency = 4,
): Promise<void> {
  const batches = Math.ceil(count / MAX_ALIASES);
  let next = 0;
  const lane = async () => {
    while (next < batches) {
      const b = next++;
      const from = b * MAX_ALIASES;
      const n = Math.min(MAX_ALIASES, count - from);
      const fields = Array.from({ length: n }, (_, k) => {
        const e = from + k;
        return `u${k}: orderUpdate(input: {id: ${JSON.stringify(orderIds[e % orderIds.length])}, comment: "${tag} ${e}"}) { state }`;
      });
      const data = await gql<Record<string, { state: string }>>(origin, token, `mutation { ${fields.join('\n')} }`);
      for (let k = 0; k < n; k++) {
        if (data[`u${k}`]?.state !== 'ACCEPTED') throw new Error(`orderUpdate gave ${JSON.stringify(data[`u${k}`])}, wanted ACCEPTED`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches) }, lane));
}
