/**
 * The soak's load: merchant lanes that create orders and change them (synchronous updates of DRAFT orders,
 * PENDING requests on OPENED ones, opens, fulfilment requests, a few cancels), and a fulfiller lane that updates
 * OPENED orders in bulk. Every answer goes into the ledger; a request whose answer is lost (the server was killed)
 * is recorded as `unknown` and the lane carries on once the server is back.
 */
import type { Ledger, OrderEntry, Outcome } from './ledger.ts';

export interface LoadContext {
  url: string;
  merchantToken: string;
  supplierToken: string;
  ledger: Ledger;
  random: () => number;
  stopped: () => boolean;
  /** Orders a fulfiller may see (created OPENED or asked to open), for the bulk lane. */
  opened: OrderEntry[];
  /** A pause before each request (ms), to keep the load steady rather than as fast as it goes. */
  pauseMs?: number;
  /** The most orders in one fulfiller `updateOrders` call (default 50); each changed order is a webhook event. */
  bulkMax?: number;
}

type Answer = { kind: 'answer'; data: any; errors: { message: string; path?: unknown[]; extensions?: { code?: string } }[] } | { kind: 'lost' };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function call(ctx: LoadContext, token: string, path: string, query: string, variables: Record<string, unknown>): Promise<Answer> {
  if (ctx.pauseMs) await sleep(ctx.pauseMs);
  ctx.ledger.counts.requests += 1;
  try {
    const res = await fetch(`${ctx.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status >= 500) {
      ctx.ledger.serverError(`HTTP ${res.status} ${path} ${text}`);
      return { kind: 'lost' };
    }
    const body = JSON.parse(text);
    for (const e of body.errors ?? []) {
      if (e.extensions?.code === 'INTERNAL_SERVER_ERROR') ctx.ledger.serverError(`${path} ${JSON.stringify(variables).slice(0, 200)}: ${JSON.stringify(e)}`);
    }
    return { kind: 'answer', data: body.data, errors: body.errors ?? [] };
  } catch {
    // Connection refused or reset: the server is being killed or restarted. Wait until it is back.
    ctx.ledger.counts.lostAnswers += 1;
    await waitUntilUp(ctx);
    return { kind: 'lost' };
  }
}

async function waitUntilUp(ctx: LoadContext): Promise<void> {
  while (!ctx.stopped()) {
    try {
      const res = await fetch(`${ctx.url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // still down
    }
    await sleep(100);
  }
}

const REQUEST_FIELDS = '{ id type state message orderId }';

interface LaneOrder {
  entry: OrderEntry;
  phase: 'DRAFT' | 'OPENED' | 'DONE';
}

/** Outcome of a mutation answered with a DispatchableRequest. */
function requestOutcome(ctx: LoadContext, a: Answer, field: string, orderId: string): Outcome {
  if (a.kind === 'lost') return { kind: 'unknown' };
  const r = a.data?.[field];
  if (!r) return { kind: 'refused' };
  ctx.ledger.recordRequest(r.id, orderId, r.state);
  if (r.state === 'ACCEPTED') return { kind: 'applied' };
  if (r.state === 'PENDING') return { kind: 'pending', requestId: r.id };
  return { kind: 'refused' };
}

export async function merchantLane(ctx: LoadContext, lane: number): Promise<void> {
  const mine: LaneOrder[] = [];
  let seq = 0;
  while (!ctx.stopped()) {
    const live = mine.filter((o) => o.phase !== 'DONE');
    if (live.length < 8 || ctx.random() < 0.12) {
      const open = ctx.random() < 0.3;
      const comment = `c${lane}.${seq++}`;
      const a = await call(ctx, ctx.merchantToken, '/graphql', 'mutation($input: OrderInput!) { orderCreate(input: $input) { id number state } }', {
        input: { externalReference: `soak-${lane}-${seq}-${Date.now()}`, comment, state: open ? 'OPENED' : 'DRAFT', lines: [{ sku: 'SOAK', label: 'Soak', quantity: 1, price: 1 }] },
      });
      const created = a.kind === 'answer' ? a.data?.orderCreate : undefined;
      if (created) {
        ctx.ledger.counts.creates += 1;
        const entry = ctx.ledger.addOrder(created.id, created.number);
        entry.comment.push({ value: comment, outcome: { kind: 'applied' } });
        mine.push({ entry, phase: open ? 'OPENED' : 'DRAFT' });
        if (open) ctx.opened.push(entry);
      }
      continue;
    }
    const o = live[Math.floor(ctx.random() * live.length)];
    const roll = ctx.random();
    const id = o.entry.id;
    if (o.phase === 'DRAFT' && roll < 0.2) {
      ctx.ledger.counts.opens += 1;
      const a = await call(ctx, ctx.merchantToken, '/graphql', `mutation($id: String!) { orderOpen(id: $id) ${REQUEST_FIELDS} }`, { id });
      requestOutcome(ctx, a, 'orderOpen', id);
      if (a.kind === 'answer' && a.data?.orderOpen) {
        o.phase = 'OPENED';
        ctx.opened.push(o.entry);
      }
    } else if (o.phase === 'OPENED' && roll < 0.03) {
      ctx.ledger.counts.cancels += 1;
      const a = await call(ctx, ctx.merchantToken, '/graphql', `mutation($id: String!) { orderCancel(id: $id) ${REQUEST_FIELDS} }`, { id });
      requestOutcome(ctx, a, 'orderCancel', id);
      if (a.kind === 'answer') o.phase = 'DONE';
    } else if (o.phase === 'OPENED' && roll < 0.08) {
      ctx.ledger.counts.fulfilments += 1;
      const a = await call(ctx, ctx.merchantToken, '/graphql', `mutation($id: String!) { orderRequestFulfillment(id: $id) ${REQUEST_FIELDS} }`, { id });
      requestOutcome(ctx, a, 'orderRequestFulfillment', id);
    } else {
      const value = `c${lane}.${seq++}`;
      const a = await call(ctx, ctx.merchantToken, '/graphql', `mutation($input: OrderInput!) { orderUpdate(input: $input) ${REQUEST_FIELDS} }`, {
        input: { id, comment: value },
      });
      const outcome = requestOutcome(ctx, a, 'orderUpdate', id);
      o.entry.comment.push({ value, outcome });
      if (outcome.kind === 'applied') ctx.ledger.counts.syncUpdates += 1;
      if (outcome.kind === 'pending') ctx.ledger.counts.asyncUpdates += 1;
      // A REJECTED answer on an order the fulfiller completed: leave it.
      if (a.kind === 'answer' && a.data?.orderUpdate?.state === 'REJECTED' && /COMPLETED/.test(a.data.orderUpdate.message ?? '')) o.phase = 'DONE';
    }
  }
}

/** Status moves a fulfiller makes: mostly none or early ones, sometimes production (locks) or dispatch (completes). */
function nextStatus(random: () => number): number | undefined {
  const r = random();
  if (r < 0.6) return undefined;
  if (r < 0.9) return random() < 0.5 ? 512 : 513;
  if (r < 0.97) return 4;
  return 8;
}

export async function fulfillerLane(ctx: LoadContext): Promise<void> {
  let seq = 0;
  while (!ctx.stopped()) {
    if (ctx.opened.length === 0) {
      await sleep(50);
      continue;
    }
    const batch = new Map<number, OrderEntry>();
    const size = 1 + Math.floor(ctx.random() * (ctx.bulkMax ?? 50));
    for (let i = 0; i < size * 2 && batch.size < size; i++) {
      const e = ctx.opened[Math.floor(ctx.random() * ctx.opened.length)];
      batch.set(e.number, e);
    }
    const entries = [...batch.values()];
    const orders = entries.map((e) => ({ id: e.number, shipping_tracking: `t${seq++}`, status: nextStatus(ctx.random) }));
    ctx.ledger.counts.bulkCalls += 1;
    const a = await call(ctx, ctx.supplierToken, '/fulfiller/graphql', 'mutation($orders: [OrderInput]) { core { updateOrders(orders: $orders) { id status shipping_tracking } } }', { orders });
    const results: unknown[] | undefined = a.kind === 'answer' ? a.data?.core?.updateOrders : undefined;
    entries.forEach((e, i) => {
      let outcome: Outcome = { kind: 'unknown' };
      if (results) outcome = results[i] ? { kind: 'applied' } : { kind: 'refused' };
      if (outcome.kind === 'applied') ctx.ledger.counts.bulkOrdersUpdated += 1;
      e.tracking.push({ value: orders[i].shipping_tracking, outcome });
    });
  }
}
