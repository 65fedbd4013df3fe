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
import { orderView, type LineRow, type LineStatus, type OrderRecord } from './order-record.ts';
import { loadOrderBatch, type OrderStatusRow, type Working, type WorkingOrder } from '../db/sql/load-order-batch.ts';
import { writeLineStatuses, writeOrderBatch } from '../db/sql/write-order-batch.ts';
import { loadLines } from './order-store.ts';
import { isStatusCode, STATUS_CODES } from './status-transitions.ts';
import { deliveryOrderChange, orderRollUp, type DeliveryOrderOutcome, type DeliveryStatusRow } from '../fulfilment/delivery-order-change.ts';
import { deliveryOrderView } from '../fulfilment/delivery-order-view.ts';
import { lineStatusWith } from '../fulfilment/roll-up.ts';
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
/** The fulfiller dialect's name of a field, for messages: `shippingCarrier` → `shipping_carrier`. */
const wireName = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

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
    if (typeof v === 'string' && v.length > 255) return badInput(`orders[${index}].${wireName(field)}`, 'must be at most 255 characters');
  }
  if (typeof u.note === 'string' && u.note.length > MAX_NOTE) return badInput(`orders[${index}].note`, `must be at most ${MAX_NOTE} characters`);
  return undefined;
}

/** Line statuses by delivery order; replaced (not changed) at each change, so event bodies and results keep theirs. */
type LineStatuses = ReadonlyMap<string, LineStatus>;
const lineStatusesOf = new WeakMap<WorkingOrder, LineStatuses>();

/** The whole order at one moment of the batch: its columns then and its lines' statuses then. */
function wholeOrder(order: WorkingOrder, row: OrderStatusRow, statuses: LineStatuses | undefined, updatedAt: string | undefined): OrderRecord {
  const whole = order.whole!;
  const merged = { ...whole.row, ...row, updated_at: updatedAt ?? whole.row.updated_at };
  if (!statuses || statuses.size === 0) return { row: merged, lines: whole.lines };
  const lines = whole.lines.map((l): LineRow => {
    const s = l.delivery_order_id && statuses.get(l.delivery_order_id);
    return s ? { ...l, status: lineStatusWith(l, s) } : l;
  });
  return { row: merged, lines };
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

/**
 * Applies one update to the working copy of its delivery order and rolls its order up at once (so that each
 * update's events carry the order as that update left it); returns the history entry, or a refusal.
 */
function applyOne(w: Working, u: FulfillerUpdate, now: string, all: Map<number, Working>, events: OutboxEvent[]): HistoryEntry | DomainError | undefined {
  const outcome = outcomeOf(w, u);
  if (outcome === undefined || outcome instanceof DomainError) return outcome;
  const { row } = outcome;
  row.version += 1;
  w.row = row;
  w.changed = true;
  const order = w.order;
  let statuses = lineStatusesOf.get(order);
  if (outcome.lineStatus) {
    w.lineStatus = outcome.lineStatus;
    statuses = new Map(statuses).set(row.id, outcome.lineStatus);
    lineStatusesOf.set(order, statuses);
  }
  const parts = order.siblings ? order.siblings.map((s) => all.get(s.number)?.row ?? s) : [row];
  const rolled = orderRollUp(order.row, parts);
  const orderRow = { ...order.row, ...rolled.set, version: order.row.version + 1 } as OrderStatusRow;
  order.row = orderRow;
  order.changed = true;
  const whole = order.whole ? () => wholeOrder(order, orderRow, statuses, now) : undefined;
  const doBody = whole
    ? () => deliveryOrderView({ row: { ...(row as DeliveryOrderRow), updated_at: now }, lines: whole().lines.filter((l) => l.delivery_order_id === row.id) })
    : notLoaded;
  for (const type of outcome.events) events.push({ type, organizationId: row.organization_id, orderId: row.order_id, body: doBody });
  const orderBody = whole ? () => orderView(whole()) : notLoaded;
  for (const type of rolled.events) events.push({ type, organizationId: orderRow.organization_id, orderId: orderRow.id, body: orderBody });
  return { orderId: row.order_id, organizationId: row.organization_id, deliveryOrderId: row.id, action: outcome.action, changes: outcome.changes };
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
    const applied = updates.map((u, i): FulfillerResult | DomainError => {
      if (!u) return badInput(`orders[${i}]`, 'must be an order, not null');
      const invalid = validate(u, i);
      if (invalid) return invalid;
      const w = working.get(u.id);
      if (!w || !fulfillerMayAccess(tctx, w.row)) return notFound('order', u.id);
      const outcome = applyOne(w, u, now, working, events);
      if (outcome instanceof DomainError) return outcome;
      if (outcome) history.push(outcome);
      // The delivery order as this update left it (a later update of the same one in the batch changes it again).
      if (shape === 'status') return { deliveryOrder: w.row };
      return { deliveryOrder: w.row, order: wholeOrder(w.order, w.order.row, lineStatusesOf.get(w.order), w.order.changed ? now : undefined) };
    });
    const changed = [...working.values()].filter((w) => w.changed);
    const orders = [...new Set(changed.map((w) => w.order))];
    await writeOrderBatch(tctx.services.db, tctx.tx, 'delivery_orders', changed, now);
    await writeOrderBatch(tctx.services.db, tctx.tx, 'orders', orders, now);
    await writeLineStatuses(tctx.services.db, tctx.tx, changed);
    await recordHistory(tctx, history);
    await emitEvents(tctx, events);
    return applied;
  });
}
