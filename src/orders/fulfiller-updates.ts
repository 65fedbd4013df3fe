/**
 * Fulfiller status updates in bulk (KornitX `updateOrders`): up to 1,000 orders per call, each applied on its own
 * (a failure is an error at its index, the rest go through), all written in one transaction with set-based SQL:
 * one UPDATE for every order, one per line status, one insert each for history and outbox.
 */
import { withTransaction, type Ctx, type TxCtx } from '../context.ts';
import { prebuilt, runPrebuilt, valuesRows } from '../db/prebuilt-statements.ts';
import { canAccess, requireScope } from '../auth/scopes.ts';
import { badInput, DomainError, notFound } from '../errors/domain-error.ts';
import { emitEvents, type OutboxEvent } from '../webhooks/outbox.ts';
import { recordHistory, type FieldChanges, type HistoryEntry } from './order-history.ts';
import { orderView, type LineStatus, type OrderRecord, type OrderRow } from './order-record.ts';
import { loadLines } from './order-store.ts';
import { effectOf, isStatusCode, STATUS_CODES, transitionError } from './status-transitions.ts';

export const MAX_BATCH = 1000;

export interface FulfillerUpdate {
  id: number;
  status?: number | null;
  shippingCarrier?: string | null;
  shippingMethod?: string | null;
  shippingTracking?: string | null;
}

const SHIPPING = [
  ['shippingCarrier', 'shipping_carrier'],
  ['shippingMethod', 'shipping_method'],
  ['shippingTracking', 'shipping_tracking'],
] as const;

/** A fulfiller sees an order only when it may act on both its merchant and its supplier, and it is not a draft. */
export function fulfillerMayAccess(ctx: Ctx, row: Pick<OrderRow, 'organization_id' | 'supplier_id' | 'state'>): boolean {
  if (row.state === 'DRAFT') return false;
  return ctx.actor === null || canAccess(ctx.actor, row.organization_id, row.supplier_id);
}

function validate(u: FulfillerUpdate, index: number): DomainError | undefined {
  if (u.status != null && !isStatusCode(u.status)) {
    return badInput(`orders[${index}].status`, `must be a fulfilment status code (${STATUS_CODES.join(', ')})`);
  }
  for (const [field] of SHIPPING) {
    const v = u[field];
    if (typeof v === 'string' && v.length > 255) return badInput(`orders[${index}].${field}`, 'must be at most 255 characters');
  }
  return undefined;
}

interface Working {
  record: OrderRecord;
  changes: number;
}

/** Applies one update to the working copy of its order; returns the history entry, or a refusal. */
function applyOne(w: Working, u: FulfillerUpdate, now: string, events: OutboxEvent[]): HistoryEntry | DomainError | undefined {
  const row = { ...w.record.row };
  const changes: FieldChanges = {};
  let lines = w.record.lines;
  let completes = false;
  if (u.status != null && u.status !== row.status) {
    const refused = transitionError(row.status, u.status);
    if (refused) return new DomainError('INVALID_STATUS_TRANSITION', refused, { from: row.status, to: u.status });
    const effect = effectOf(u.status);
    changes.status = { from: row.status, to: u.status };
    row.status = u.status;
    if (effect.locks) row.locked = 1;
    if (effect.completes && row.state !== 'COMPLETED') {
      changes.state = { from: row.state, to: 'COMPLETED' };
      row.state = 'COMPLETED';
      completes = true;
    }
    if (effect.lines) lines = lines.map((l) => ({ ...l, status: effect.lines as LineStatus }));
  }
  for (const [field, column] of SHIPPING) {
    const v = u[field];
    if (v !== undefined && v !== row[column]) {
      changes[field] = { from: row[column], to: v };
      row[column] = v;
    }
  }
  if (Object.keys(changes).length === 0) return undefined;
  row.version += 1;
  row.updated_at = now;
  w.record = { row, lines };
  w.changes += 1;
  const record = w.record;
  const body = () => orderView(record);
  const base = { organizationId: row.organization_id, orderId: row.id, body };
  if (changes.status) events.push({ type: 'order/status-changed', ...base });
  if (completes) events.push({ type: 'order/completed', ...base });
  if (!changes.status) events.push({ type: 'order/updated', ...base });
  return { orderId: row.id, organizationId: row.organization_id, action: changes.status ? 'status-changed' : 'shipping-updated', changes };
}

/**
 * The batch's orders by number. PostgreSQL locks them in id order, so two batches sharing orders queue up instead
 * of deadlocking; SQLite has one writer already and is spared sorting whole rows.
 */
async function loadForUpdate(tctx: TxCtx, numbers: number[]): Promise<Map<number, Working>> {
  if (numbers.length === 0) return new Map();
  // PostgreSQL takes the numbers as one array: a 1,000-value IN list costs it more to parse and plan than to run.
  const rows =
    tctx.services.db.kind === 'postgres'
      ? await runPrebuilt<OrderRow>(tctx.tx, 'SELECT * FROM orders WHERE number = ANY($1::int[]) ORDER BY id FOR UPDATE', [numbers])
      : await runPrebuilt<OrderRow>(
          tctx.tx,
          prebuilt('sqlite', `orders-by-number:${numbers.length}`, () => `SELECT * FROM orders WHERE number IN (${numbers.map(() => '?').join(', ')})`),
          numbers,
        );
  const lines = await loadLines(tctx.tx, rows.map((r) => r.id));
  return new Map(rows.map((row) => [row.number, { record: { row, lines: lines.get(row.id)! }, changes: 0 }]));
}

const ORDER_TUPLE =
  '(?, CAST(? AS INTEGER), ?, CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS INTEGER), ?)';

const SET_FROM_V = `UPDATE orders SET status = v.status, state = v.state, locked = v.locked, shipping_carrier = v.shipping_carrier,
      shipping_method = v.shipping_method, shipping_tracking = v.shipping_tracking, version = v.version, updated_at = v.updated_at
    FROM v WHERE orders.id = v.id`;

/**
 * One UPDATE for every changed order: from a VALUES list on SQLite (≥ 3.33), from one array per column on
 * PostgreSQL (nine parameters instead of 9,000 to parse and plan).
 */
async function writeOrders(tctx: TxCtx, rows: OrderRow[]): Promise<void> {
  if (rows.length === 0) return;
  if (tctx.services.db.kind === 'postgres') {
    const text = `WITH v AS (SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[])
      AS v(id, status, state, locked, shipping_carrier, shipping_method, shipping_tracking, version, updated_at)) ${SET_FROM_V}`;
    const cols = (pick: (r: OrderRow) => unknown) => rows.map(pick);
    await runPrebuilt(tctx.tx, text, [
      cols((r) => r.id), cols((r) => r.status), cols((r) => r.state), cols((r) => r.locked), cols((r) => r.shipping_carrier),
      cols((r) => r.shipping_method), cols((r) => r.shipping_tracking), cols((r) => r.version), cols((r) => r.updated_at),
    ]);
    return;
  }
  const text = prebuilt('sqlite', `orders-update:${rows.length}`, () =>
    `WITH v(id, status, state, locked, shipping_carrier, shipping_method, shipping_tracking, version, updated_at) AS (VALUES ${valuesRows(rows.length, ORDER_TUPLE)}) ${SET_FROM_V}`,
  );
  const params: unknown[] = [];
  for (const r of rows) {
    params.push(r.id, r.status, r.state, r.locked, r.shipping_carrier, r.shipping_method, r.shipping_tracking, r.version, r.updated_at);
  }
  await runPrebuilt(tctx.tx, text, params);
}

async function writeLineStatuses(tctx: TxCtx, before: Map<string, string | undefined>, after: OrderRecord[]): Promise<void> {
  const byStatus = new Map<string, string[]>();
  for (const { row, lines } of after) {
    const status = lines[0]?.status;
    if (status && status !== before.get(row.id)) byStatus.set(status, [...(byStatus.get(status) ?? []), row.id]);
  }
  for (const [status, ids] of byStatus) {
    await tctx.tx.updateTable('order_lines').set({ status }).where('order_id', 'in', ids).execute();
  }
}

/** Applies the batch; the result keeps the input order: the order's view, or the error that refused it. */
export async function updateFulfillerOrders(ctx: Ctx, updates: (FulfillerUpdate | null)[]): Promise<(OrderRecord | DomainError)[]> {
  requireScope(ctx, 'order-it.order-manager.edit');
  if (updates.length > MAX_BATCH) throw badInput('orders', `must contain at most ${MAX_BATCH} orders per call (got ${updates.length})`);
  if (updates.length === 0) return [];
  return withTransaction(ctx, async (tctx) => {
    const working = await loadForUpdate(tctx, [...new Set(updates.flatMap((u) => (u ? [u.id] : [])))]);
    const lineStatusBefore = new Map([...working.values()].map((w) => [w.record.row.id, w.record.lines[0]?.status]));
    const history: HistoryEntry[] = [];
    const events: OutboxEvent[] = [];
    const now = new Date().toISOString();
    const results = updates.map((u, i): OrderRecord | DomainError => {
      if (!u) return badInput(`orders[${i}]`, 'must be an order, not null');
      const invalid = validate(u, i);
      if (invalid) return invalid;
      const w = working.get(u.id);
      if (!w || !fulfillerMayAccess(tctx, w.record.row)) return notFound('order', u.id);
      const outcome = applyOne(w, u, now, events);
      if (outcome instanceof DomainError) return outcome;
      if (outcome) history.push(outcome);
      return w.record;
    });
    const changed = [...working.values()].filter((w) => w.changes > 0).map((w) => w.record);
    await writeOrders(tctx, changed.map((r) => r.row));
    await writeLineStatuses(tctx, lineStatusBefore, changed);
    await recordHistory(tctx, history);
    await emitEvents(tctx, events);
    return results;
  });
}
