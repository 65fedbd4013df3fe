/**
 * Fulfiller status updates in bulk (KornitX `updateOrders`): up to 1,000 delivery orders per call (a fulfiller's
 * "order" is a delivery order, SPEC §5/§8), each applied on its own (a failure is an error at its index, the rest
 * go through), all written in one transaction with set-based SQL: one UPDATE for the delivery orders, one for
 * their orders (rolled up), one per line status, one insert each for history and outbox.
 *
 * A change only reads and writes a few columns. Whole orders (delivery, lines…) are loaded only when the caller
 * reads them from the results or a webhook may ask for event bodies: on SQLite, turning 1,000 whole rows and
 * their lines into JS objects cost more than the rest of the statements together. The SQL is in
 * db/sql/load-order-batch.ts and db/sql/write-order-batch.ts; the rules in fulfilment/delivery-order-change.ts.
 */
import { withTransaction, type Ctx } from '../context.ts';
import { canAccess, requireScope } from '../auth/scopes.ts';
import { badInput, DomainError, notFound } from '../errors/domain-error.ts';
import { emitEvents, enabledWebhooks, type OutboxEvent } from '../webhooks/outbox.ts';
import { recordHistory, type HistoryEntry } from './order-history.ts';
import { orderView, type LineRow, type OrderRecord } from './order-record.ts';
import { loadOrderBatch, type OrderStatusRow, type Working, type WorkingOrder } from '../db/sql/load-order-batch.ts';
import { writeLineStatuses, writeOrderBatch } from '../db/sql/write-order-batch.ts';
import { loadLines } from './order-store.ts';
import { isStatusCode, STATUS_CODES } from './status-transitions.ts';
import { deliveryOrderChange, orderRollUp, type DeliveryOrderOutcome, type DeliveryStatusRow } from '../fulfilment/delivery-order-change.ts';
import { deliveryOrderView } from '../fulfilment/delivery-order-view.ts';
import type { DeliveryOrderRow } from '../fulfilment/delivery-order-store.ts';
import { isoNow } from '../clock.ts';

export type { DeliveryStatusRow, OrderStatusRow };

/** What the caller reads from each result: whole orders, or only the delivery order's status columns. */
export type ResultShape = 'orders' | 'status';

/** A delivery order as a fulfiller update leaves it; `order` (the whole order, lines included) when loaded. */
export interface FulfillerResult {
  deliveryOrder: DeliveryStatusRow;
  order?: OrderRecord;
}

export const MAX_BATCH = 1000;
export const MAX_NOTE = 1000;

export interface FulfillerUpdate {
  id: number;
  status?: number | null;
  shippingCarrier?: string | null;
  shippingMethod?: string | null;
  shippingTracking?: string | null;
  /** Why (On Hold, QC Query…): kept in the delivery order's events. */
  note?: string | null;
}

const SHIPPING = ['shippingCarrier', 'shippingMethod', 'shippingTracking'] as const;

/** A fulfiller sees a delivery order only when it may act on both its merchant and its supplier. */
export function fulfillerMayAccess(ctx: Ctx, row: Pick<DeliveryOrderRow, 'organization_id' | 'supplier_id'>): boolean {
  return ctx.actor === null || canAccess(ctx.actor, row.organization_id, row.supplier_id);
}

function validate(u: FulfillerUpdate, index: number): DomainError | undefined {
  if (u.status != null && !isStatusCode(u.status)) {
    return badInput(`orders[${index}].status`, `must be a fulfilment status code (${STATUS_CODES.join(', ')})`);
  }
  for (const field of SHIPPING) {
    const v = u[field];
    if (typeof v === 'string' && v.length > 255) return badInput(`orders[${index}].${field}`, 'must be at most 255 characters');
  }
  if (typeof u.note === 'string' && u.note.length > MAX_NOTE) return badInput(`orders[${index}].note`, `must be at most ${MAX_NOTE} characters`);
  return undefined;
}

/** The whole order as it is after the changes applied so far: the order's columns and its lines' statuses. */
function wholeOrder(order: WorkingOrder, deliveryOrders: Iterable<Working>, updatedAt: string | undefined): OrderRecord {
  const whole = order.whole!;
  const row = { ...whole.row, ...order.row, updated_at: updatedAt ?? whole.row.updated_at };
  const statuses = new Map<string, string>();
  for (const w of deliveryOrders) if (w.order === order && w.lineStatus) statuses.set(w.row.id, w.lineStatus);
  if (statuses.size === 0) return { row, lines: whole.lines };
  const lines = whole.lines.map((l): LineRow => {
    const s = l.delivery_order_id && statuses.get(l.delivery_order_id);
    return s ? { ...l, status: s } : l;
  });
  return { row, lines };
}

/** Whole orders are loaded whenever a webhook could ask for a body; this body is never asked for. */
function notLoaded(): never {
  throw new Error('an event body was asked for, but the bulk update did not load whole orders');
}

/** The delivery order's change (its rule: delivery-order-change.ts); a note alone is a change too. */
function outcomeOf(w: Working, u: FulfillerUpdate): DeliveryOrderOutcome<DeliveryStatusRow> | DomainError | undefined {
  const outcome = deliveryOrderChange(w.row, u);
  if (!u.note || outcome instanceof DomainError) return outcome;
  const withNote = outcome ?? { row: { ...w.row }, changes: {}, lineStatus: undefined, action: 'note', events: ['delivery-order/updated' as const] };
  withNote.changes.note = { from: null, to: u.note };
  return withNote;
}

/** Applies one update to the working copy of its delivery order; returns the history entry, or a refusal. */
function applyOne(w: Working, u: FulfillerUpdate, now: string, all: Map<number, Working>, events: OutboxEvent[]): HistoryEntry | DomainError | undefined {
  const outcome = outcomeOf(w, u);
  if (outcome === undefined || outcome instanceof DomainError) return outcome;
  const { row } = outcome;
  row.version += 1;
  w.row = row;
  if (outcome.lineStatus) w.lineStatus = outcome.lineStatus;
  w.changed = true;
  w.order.changes += 1;
  const order = w.order;
  const body = order.whole
    ? () => {
        const whole = wholeOrder(order, all.values(), now);
        return deliveryOrderView({ row: { ...(row as DeliveryOrderRow), updated_at: now }, lines: whole.lines.filter((l) => l.delivery_order_id === row.id) });
      }
    : notLoaded;
  for (const type of outcome.events) events.push({ type, organizationId: row.organization_id, orderId: row.order_id, body });
  return { orderId: row.order_id, organizationId: row.organization_id, deliveryOrderId: row.id, action: outcome.action, changes: outcome.changes };
}

/** Rolls each changed order up from its delivery orders (as changed by the batch) and queues its events. */
function rollUpOrders(working: Map<number, Working>, now: string, events: OutboxEvent[]): WorkingOrder[] {
  const orders = new Set<WorkingOrder>();
  for (const w of working.values()) if (w.changed) orders.add(w.order);
  const current = new Map<string, DeliveryStatusRow>();
  for (const w of working.values()) current.set(w.row.id, w.row);
  for (const order of orders) {
    const parts = order.siblings ? order.siblings.map((s) => current.get(s.id) ?? s) : [...working.values()].filter((w) => w.order === order).map((w) => w.row);
    const rolled = orderRollUp(order.row, parts);
    order.row = { ...order.row, ...rolled.set, version: order.row.version + order.changes } as OrderStatusRow;
    order.changed = true;
    const body = order.whole ? () => orderView(wholeOrder(order, working.values(), now)) : notLoaded;
    for (const type of rolled.events) events.push({ type, organizationId: order.row.organization_id, orderId: order.row.id, body });
  }
  return [...orders];
}

/**
 * Applies the batch; the result keeps the input order: the delivery order as it was after that update (with its
 * whole order when `shape` asks for it), or the error that refused it.
 */
export async function updateFulfillerOrders(
  ctx: Ctx,
  updates: (FulfillerUpdate | null)[],
  shape: ResultShape = 'orders',
): Promise<(FulfillerResult | DomainError)[]> {
  requireScope(ctx, 'order-it.order-manager.edit');
  if (updates.length > MAX_BATCH) throw badInput('orders', `must contain at most ${MAX_BATCH} orders per call (got ${updates.length})`);
  if (updates.length === 0) return [];
  return withTransaction(ctx, async (tctx) => {
    const numbers = new Set<number>();
    for (const u of updates) if (u) numbers.add(u.id);
    const working = await loadOrderBatch(tctx.services.db, tctx.tx, [...numbers], {
      // On SQLite the transaction holds the only writer, so no webhook appears before the outbox looks.
      wantWhole: async (orgs) => shape === 'orders' || (await enabledWebhooks(tctx, orgs)).length > 0,
      loadLines: (ids) => loadLines(tctx.tx, ids),
    });
    const history: HistoryEntry[] = [];
    const events: OutboxEvent[] = [];
    const now = isoNow();
    const applied = updates.map((u, i): { w: Working; row: DeliveryStatusRow } | DomainError => {
      if (!u) return badInput(`orders[${i}]`, 'must be an order, not null');
      const invalid = validate(u, i);
      if (invalid) return invalid;
      const w = working.get(u.id);
      if (!w || !fulfillerMayAccess(tctx, w.row)) return notFound('order', u.id);
      const outcome = applyOne(w, u, now, working, events);
      if (outcome instanceof DomainError) return outcome;
      if (outcome) history.push(outcome);
      return { w, row: w.row };
    });
    const changed = [...working.values()].filter((w) => w.changed);
    const orders = rollUpOrders(working, now, events);
    await writeOrderBatch(tctx.services.db, tctx.tx, 'delivery_orders', changed, now);
    await writeOrderBatch(tctx.services.db, tctx.tx, 'orders', orders, now);
    await writeLineStatuses(tctx.services.db, tctx.tx, changed);
    await recordHistory(tctx, history);
    await emitEvents(tctx, events);
    // Results are built after the batch: a delivery order's result shows its order as the whole batch left it.
    return applied.map((a) => {
      if (a instanceof DomainError) return a;
      // The delivery order as this update left it (a later update of the same one in the batch changes it again).
      if (shape === 'status') return { deliveryOrder: a.row };
      return { deliveryOrder: a.row, order: wholeOrder(a.w.order, working.values(), a.w.order.changed ? now : undefined) };
    });
  });
}
