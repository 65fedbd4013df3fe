/**
 * Creating shipments (SPEC §8), one command for both dialects: up to 1,000 a call (the fulfiller's
 * `createShipments`; the merchant's `shipmentCreate` is a batch of one), each applied on its own (a refusal is an
 * error at its index and writes nothing), all written in one transaction with set-based SQL: one insert for the
 * shipments and one for their items, one UPDATE for the lines, one for the delivery orders, one for their orders
 * (rolled up), one history insert and one outbox insert.
 *
 * A shipment adds to its lines' `fulfilledQuantity` (FULFILLED or PARTIALLY_FULFILLED); once every line of its
 * delivery order is shipped, the delivery order moves to 8 Dispatched (when it was before it) and COMPLETED, and
 * the order rolls up. PostgreSQL locks the batch's orders (load-order-batch.ts) before reading the lines, so two
 * shipments of a line's last unit queue up and the second finds nothing left; SQLite has one writer.
 */
import { withTransaction, type Ctx, type TxCtx } from '../context.ts';
import { requireScope, type Scope } from '../auth/scopes.ts';
import { badInput, DomainError, notFound } from '../errors/domain-error.ts';
import { emitEvents, enabledWebhooks, type OutboxEvent } from '../webhooks/outbox.ts';
import { recordHistory, type FieldChanges, type HistoryEntry } from '../orders/order-history.ts';
import { orderView, type LineRow } from '../orders/order-record.ts';
import { loadLines } from '../orders/order-store.ts';
import { loadShippableLines, type ShippableLine } from '../db/sql/load-shippable-lines.ts';
import { loadOrderBatch, type Working } from '../db/sql/load-order-batch.ts';
import { writeOrderBatch } from '../db/sql/write-order-batch.ts';
import { writeShippedLines } from '../db/sql/write-shipped-lines.ts';
import { newRowId } from '../db/row-ids.ts';
import { isoNow } from '../clock.ts';
import { STATUS } from '../orders/status-transitions.ts';
import { deliveryOrderChange, orderRollUp } from '../fulfilment/delivery-order-change.ts';
import { deliveryOrderView } from '../fulfilment/delivery-order-view.ts';
import type { DeliveryOrderRow } from '../fulfilment/delivery-order-store.ts';
import { planShipment, shipmentInputRefusal, type FieldNames, type ShipmentRequest } from './shipment-plan.ts';
import { resolveTargets, type MayAccess, type ShipmentTarget } from './shipment-targets.ts';
import type { ShipmentRecord } from './shipment-store.ts';
import { insertShipments } from '../db/sql/insert-shipments.ts';
import { shipmentEvent } from './shipment-view.ts';

export const MAX_SHIPMENTS = 1000;

export interface CreateShipmentInput extends ShipmentRequest {
  /** Undefined when the input named its delivery order in no way, or in two. */
  target: ShipmentTarget | undefined;
}

/** How a dialect asks: its scope, who may act on a delivery order, and its field names for messages. */
export interface ShipmentDialect {
  scope: Scope;
  may: MayAccess;
  names: (index: number) => FieldNames;
  /** The batch's own name (`shipments`), for the size limit. */
  list: string;
}

/** A created shipment and its delivery order as the shipment left it. */
export interface CreatedShipment {
  shipment: ShipmentRecord;
  deliveryOrder: DeliveryOrderRow;
}

/** A new shipment: OPENED, its last event NEW (dated at its shipped_at). */
const NEW_STATE = 'OPENED';
const NEW_EVENT = 'NEW';

/**
 * Whole orders (and whole lines) are loaded only when a webhook may want an order's or a delivery order's body; a
 * shipment's own body is the shipment. Otherwise the lines are read with only what a shipment needs. (PostgreSQL
 * reads whole orders anyway, with their lock.) On SQLite the transaction holds the only writer, so no webhook
 * appears before the outbox looks.
 */
async function bodiesWanted(tctx: TxCtx, organizationIds: string[]): Promise<boolean> {
  const webhooks = await enabledWebhooks(tctx, organizationIds);
  return webhooks.some((w) => w.types.length === 0 || w.types.some((t) => !t.startsWith('shipment/')));
}

/** The lines of the batch's orders: from the whole orders when they were loaded, else only what a shipment needs. */
async function linesOfBatch(tctx: TxCtx, working: Map<number, Working>): Promise<Map<string, ShippableLine[]>> {
  const orders = new Map<string, Working['order']>();
  for (const w of working.values()) orders.set(w.order.row.id, w.order);
  if ([...orders.values()].every((o) => o.whole)) return new Map([...orders].map(([id, o]) => [id, o.whole!.lines]));
  return loadShippableLines(tctx.services.db, tctx.tx, [...orders.keys()]);
}

function notLoaded(): never {
  throw new Error('a body was wanted, but the batch did not read whole orders (no webhook wanted them)');
}

/** Applies one shipment to the batch's working copies; returns its history entry and events, or the refusal. */
function applyOne(
  w: Working,
  lines: Map<string, ShippableLine[]>,
  input: CreateShipmentInput,
  names: FieldNames,
  all: Map<number, Working>,
  ctx: Ctx,
  now: string,
): { created: ShipmentRecord; history: HistoryEntry; events: OutboxEvent[] } | DomainError {
  const order = w.order;
  const orderLines = lines.get(order.row.id)!;
  const plan = planShipment(w.row, orderLines, input.items, names);
  if (plan instanceof DomainError) return plan;
  const changes: FieldChanges = {};
  const next = orderLines.map((l) => {
    const s = plan.lines.find((p) => p.id === l.id);
    if (!s) return l;
    changes[`lines.${l.id}.fulfilledQuantity`] = { from: s.fulfilledFrom, to: s.fulfilledTo };
    if (s.statusTo !== s.statusFrom) changes[`lines.${l.id}.status`] = { from: s.statusFrom, to: s.statusTo };
    return { ...l, fulfilled_quantity: s.fulfilledTo, status: s.statusTo };
  });
  lines.set(order.row.id, next);
  // Every line shipped: Dispatched and COMPLETED, unless already past it or paused (On Hold must be lifted first).
  const dispatched = plan.allShipped && w.row.status !== STATUS.DISPATCHED && w.row.status !== STATUS.DISPATCHED_RETAILER_NOTIFIED
    ? deliveryOrderChange(w.row, { status: STATUS.DISPATCHED }, 'shipped')
    : undefined;
  const moved = dispatched instanceof DomainError ? undefined : dispatched;
  const row = moved ? moved.row : { ...w.row };
  if (moved) Object.assign(changes, moved.changes);
  // Something left: production has started, whatever status the supplier reported (the merchant may no longer edit it).
  if (row.locked !== 1) {
    changes.locked = { from: false, to: true };
    row.locked = 1;
  }
  row.version += 1;
  w.row = row;
  w.changed = true;
  const parts = order.siblings ? order.siblings.map((s) => all.get(s.number)?.row ?? s) : [row];
  const rolled = orderRollUp(order.row, parts);
  const orderRow = { ...order.row, ...rolled.set, version: order.row.version + 1 };
  order.row = orderRow;
  order.changed = true;

  const shippedAt = input.shippedAt ? new Date(Date.parse(input.shippedAt)).toISOString() : now;
  const created: ShipmentRecord = {
    row: {
      id: newRowId(),
      delivery_order_id: row.id,
      delivery_order_number: row.number,
      order_id: row.order_id,
      organization_id: row.organization_id,
      supplier_id: row.supplier_id,
      carrier: input.carrier ?? null,
      method: input.method ?? null,
      tracking_number: input.trackingNumber ?? null,
      tracking_url: input.trackingUrl ?? null,
      reference: input.reference ?? null,
      weight: input.weight ?? null,
      shipped_at: shippedAt,
      state: NEW_STATE,
      last_event: NEW_EVENT,
      last_event_at: shippedAt,
      client_id: ctx.actor?.clientId ?? null,
      created_at: now,
      updated_at: now,
    },
    items: plan.lines.map((s) => ({ line_id: s.id, quantity: s.quantity, sku: orderLines.find((l) => l.id === s.id)!.sku })),
    events: [],
  };
  changes.shipment = { from: null, to: created.row.id };

  // A body is built only for a subscribed webhook, which made the batch read whole orders and lines (`bodiesWanted`).
  const whole = order.whole;
  const wholeLines = next as LineRow[];
  const doBody = whole
    ? () => deliveryOrderView({ row: { ...(row as DeliveryOrderRow), updated_at: now }, lines: wholeLines.filter((l) => l.delivery_order_id === row.id) })
    : notLoaded;
  const orderBody = whole ? () => orderView({ row: { ...whole.row, ...orderRow, updated_at: now }, lines: wholeLines }) : notLoaded;
  const events: OutboxEvent[] = [shipmentEvent('shipment/created', created)];
  for (const type of moved?.events ?? ['delivery-order/updated' as const]) events.push({ type, organizationId: row.organization_id, orderId: row.order_id, body: doBody });
  for (const type of rolled.events) events.push({ type, organizationId: orderRow.organization_id, orderId: orderRow.id, body: orderBody });
  const history = { orderId: row.order_id, organizationId: row.organization_id, deliveryOrderId: row.id, action: 'shipped', changes };
  return { created, history, events };
}

/** Creates the shipments; the result keeps the input order: the shipment, or the error that refused it. */
export async function createShipments(
  ctx: Ctx,
  inputs: readonly (CreateShipmentInput | null)[],
  dialect: ShipmentDialect,
): Promise<(CreatedShipment | DomainError)[]> {
  requireScope(ctx, dialect.scope);
  if (inputs.length > MAX_SHIPMENTS) throw badInput(dialect.list, `must contain at most ${MAX_SHIPMENTS} shipments per call (got ${inputs.length})`);
  if (inputs.length === 0) return [];
  const nowMs = Date.now();
  return withTransaction(ctx, async (tctx) => {
    const checked = inputs.map((input, i) => {
      if (!input) return badInput(`${dialect.list}[${i}]`, 'must be a shipment, not null');
      const names = dialect.names(i);
      if (!input.target) return badInput(names.at, `must name its order by \`${names.target}\` or by \`${names.targetRef}\` (one of them)`);
      return shipmentInputRefusal(input, names, nowMs);
    });
    const numbers = await resolveTargets(
      tctx,
      tctx.tx,
      inputs.map((input, i) => (input && !checked[i] ? input.target : undefined)),
      dialect.may,
      (i) => `${dialect.names(i).at}.${dialect.names(i).target}`,
    );
    const wanted = [...new Set(numbers.filter((n): n is number => typeof n === 'number'))];
    const working = await loadOrderBatch(tctx.services.db, tctx.tx, wanted, {
      wantWhole: (orgs) => bodiesWanted(tctx, orgs),
      loadLines: (ids) => loadLines(tctx.tx, ids),
    });
    const lines = await linesOfBatch(tctx, working);
    const now = isoNow();
    const history: HistoryEntry[] = [];
    const events: OutboxEvent[] = [];
    const created: ShipmentRecord[] = [];
    const results = inputs.map((input, i): CreatedShipment | DomainError => {
      const refused = checked[i];
      if (refused) return refused;
      const number = numbers[i];
      if (number instanceof DomainError) return number;
      const w = working.get(number as number);
      if (!w || !dialect.may(tctx, w.row)) return notFound('order', number);
      const one = applyOne(w, lines, input!, dialect.names(i), working, tctx, now);
      if (one instanceof DomainError) return one;
      created.push(one.created);
      history.push(one.history);
      events.push(...one.events);
      return { shipment: one.created, deliveryOrder: w.row as DeliveryOrderRow };
    });
    if (created.length === 0) return results;
    const changed = [...working.values()].filter((w) => w.changed);
    const shippedLines = new Map<number, ShippableLine>();
    for (const s of created) for (const it of s.items) shippedLines.set(it.line_id, lines.get(s.row.order_id)!.find((l) => l.id === it.line_id)!);
    await insertShipments(
      tctx.services.db,
      tctx.tx,
      created.map((s) => s.row),
      created.flatMap((s) => s.items.map((i) => ({ shipment_id: s.row.id, line_id: i.line_id, quantity: i.quantity }))),
      { state: NEW_STATE, lastEvent: NEW_EVENT, clientId: tctx.actor?.clientId ?? null, now },
    );
    await writeShippedLines(tctx.services.db, tctx.tx, [...shippedLines.values()]);
    await writeOrderBatch(tctx.services.db, tctx.tx, 'delivery_orders', changed, now);
    await writeOrderBatch(tctx.services.db, tctx.tx, 'orders', [...new Set(changed.map((w) => w.order))], now);
    await recordHistory(tctx, history);
    await emitEvents(tctx, events);
    return results;
  });
}
