/**
 * Fulfiller status updates in bulk (KornitX `updateOrders`): up to 1,000 orders per call, each applied on its own
 * (a failure is an error at its index, the rest go through), all written in one transaction with set-based SQL:
 * one UPDATE for every order, one per line status, one insert each for history and outbox.
 *
 * A change only reads and writes a few columns of an order. Whole orders (delivery, lines…) are loaded only when
 * the caller reads them from the results or a webhook may ask for event bodies: on SQLite, turning 1,000 whole
 * rows and their lines into JS objects cost more than the rest of the statements together. The SQL is in
 * db/sql/load-order-batch.ts and db/sql/write-order-batch.ts.
 */
import { withTransaction, type Ctx } from '../context.ts';
import { canAccess, requireScope } from '../auth/scopes.ts';
import { badInput, DomainError, notFound } from '../errors/domain-error.ts';
import { emitEvents, type OutboxEvent } from '../webhooks/outbox.ts';
import { recordHistory, type HistoryEntry } from './order-history.ts';
import { orderView, type LineStatus, type OrderRecord, type OrderRow } from './order-record.ts';
import { loadOrderBatch, type OrderStatusRow, type Working } from '../db/sql/load-order-batch.ts';
import { writeLineStatuses, writeOrderBatch } from '../db/sql/write-order-batch.ts';
import { enabledWebhooks } from '../webhooks/outbox.ts';
import { loadLines } from './order-store.ts';
import { statusChange } from './status-change.ts';
import { isStatusCode, STATUS_CODES } from './status-transitions.ts';
import { isoNow } from '../clock.ts';

export type { OrderStatusRow };

/** What the caller reads from each result: whole orders (OrderRecord), or only the status columns (OrderStatusRow). */
export type ResultShape = 'orders' | 'status';

export const MAX_BATCH = 1000;

export interface FulfillerUpdate {
  id: number;
  status?: number | null;
  shippingCarrier?: string | null;
  shippingMethod?: string | null;
  shippingTracking?: string | null;
}

/** Tells the two result shapes apart (a status row has no `lines`). */
export function isWholeOrder(r: OrderRecord | OrderStatusRow): r is OrderRecord {
  return 'lines' in r;
}

const SHIPPING = ['shippingCarrier', 'shippingMethod', 'shippingTracking'] as const;
/** The fulfiller dialect's name of a field, for messages: `shippingCarrier` → `shipping_carrier`. */
const wireName = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A fulfiller sees an order only when it may act on both its merchant and its supplier, and it is not a draft. */
export function fulfillerMayAccess(ctx: Ctx, row: Pick<OrderRow, 'organization_id' | 'supplier_id' | 'state'>): boolean {
  if (row.state === 'DRAFT') return false;
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
  return undefined;
}

/** The whole order as it is after the changes applied so far: `row` over the loaded one. */
function wholeOrder(whole: OrderRecord, row: OrderStatusRow, lineStatus: LineStatus | undefined, updatedAt: string | undefined): OrderRecord {
  const merged = { ...whole.row, ...row, updated_at: updatedAt ?? whole.row.updated_at };
  return { row: merged, lines: lineStatus ? whole.lines.map((l) => ({ ...l, status: lineStatus })) : whole.lines };
}

/** Whole orders are loaded whenever a webhook could ask for a body; this body is never asked for. */
function notLoaded(): never {
  throw new Error('an event body was asked for, but the bulk update did not load whole orders');
}

/** Applies one update to the working copy of its order (status-change.ts is the rule); returns the history entry, or a refusal. */
function applyOne(w: Working, u: FulfillerUpdate, now: string, events: OutboxEvent[]): HistoryEntry | DomainError | undefined {
  const outcome = statusChange(w.row, u);
  if (outcome === undefined || outcome instanceof DomainError) return outcome;
  const { row } = outcome;
  row.version += 1;
  w.row = row;
  if (outcome.lineStatus) w.lineStatus = outcome.lineStatus;
  w.changed = true;
  const whole = w.whole;
  const lineStatus = w.lineStatus;
  const body = whole ? () => orderView(wholeOrder(whole, row, lineStatus, now)) : notLoaded;
  for (const type of outcome.events) events.push({ type, organizationId: row.organization_id, orderId: row.id, body });
  return { orderId: row.id, organizationId: row.organization_id, action: outcome.action, changes: outcome.changes };
}

/**
 * Applies the batch; the result keeps the input order: the order as it was after that update (whole, or its status
 * columns, as `shape` asks), or the error that refused it.
 */
export async function updateFulfillerOrders(
  ctx: Ctx,
  updates: (FulfillerUpdate | null)[],
  shape: ResultShape = 'orders',
): Promise<(OrderRecord | OrderStatusRow | DomainError)[]> {
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
    const results = updates.map((u, i): OrderRecord | OrderStatusRow | DomainError => {
      if (!u) return badInput(`orders[${i}]`, 'must be an order, not null');
      const invalid = validate(u, i);
      if (invalid) return invalid;
      const w = working.get(u.id);
      if (!w || !fulfillerMayAccess(tctx, w.row)) return notFound('order', u.id);
      const outcome = applyOne(w, u, now, events);
      if (outcome instanceof DomainError) return outcome;
      if (outcome) history.push(outcome);
      if (shape === 'status') return w.row;
      return wholeOrder(w.whole!, w.row, w.lineStatus, w.changed ? now : undefined);
    });
    const changed = [...working.values()].filter((w) => w.changed);
    await writeOrderBatch(tctx.services.db, tctx.tx, changed, now);
    await writeLineStatuses(tctx.services.db, tctx.tx, changed);
    await recordHistory(tctx, history);
    await emitEvents(tctx, events);
    return results;
  });
}
