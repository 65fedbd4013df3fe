/**
 * Reads and writes of orders and their lines. Changes run inside the caller's transaction and lock the order row
 * first (db/sql/lock-order.ts), so concurrent changes of one order queue up instead of losing writes.
 */
import type { Updateable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { OrderTable } from '../db/tables.ts';
import type { Ctx, TxCtx } from '../context.ts';
import { canAccess } from '../auth/scopes.ts';
import { badInput, notFound } from '../errors/domain-error.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { compiledQuery, type Params } from '../db/compiled-query.ts';
import { lockOrder } from '../db/sql/lock-order.ts';
import { insertOrderRow } from '../db/sql/insert-order.ts';
import { updateOrderColumns } from '../db/sql/update-order-row.ts';
import type { LineFields } from './order-input.ts';
import type { LineRow, LineStatus, OrderRecord, OrderRow } from './order-record.ts';
import { newRowId } from '../db/row-ids.ts';
import { isoNow } from '../clock.ts';

/**
 * The reference check before a write can lose a race to a concurrent transaction on PostgreSQL; the unique index
 * then decides, and the loser gets the same answer the check would have given.
 */
function duplicateReference(reference: string | null | undefined) {
  return (e: unknown): never => {
    if (isUniqueViolation(e, 'orders_org_external_reference') || isUniqueViolation(e, 'orders.external_reference')) {
      throw badInput('externalReference', `must be unique in the organization; another order already uses "${reference}"`);
    }
    throw e;
  };
}

export type OrderTarget = { id: string } | { externalReference: string; organizationId: string };

/** True when the acting client may see the order on the Orders API (the merchant organization). */
export function merchantMayAccess(ctx: Ctx, row: Pick<OrderRow, 'organization_id'>): boolean {
  return ctx.actor === null || canAccess(ctx.actor, row.organization_id);
}

const linesOfOrder = compiledQuery((db, p: Params<{ orderId: string }>) =>
  db.selectFrom('order_lines').selectAll().where('order_id', '=', p.orderId).orderBy('position'),
);

export async function loadLines(db: Executor, orderIds: string[]): Promise<Map<string, LineRow[]>> {
  const byOrder = new Map<string, LineRow[]>(orderIds.map((id) => [id, []]));
  if (orderIds.length === 0) return byOrder;
  if (orderIds.length === 1) {
    byOrder.set(orderIds[0], (await linesOfOrder.execute(db, { orderId: orderIds[0] })).rows);
    return byOrder;
  }
  const rows = await db.selectFrom('order_lines').selectAll().where('order_id', 'in', orderIds).orderBy('order_id').orderBy('position').execute();
  for (const l of rows) byOrder.get(l.order_id)?.push(l);
  return byOrder;
}

/** Loads an order with its lines, as `loadOrderRowForChange` does its row. */
export async function loadOrderForChange(tctx: TxCtx, target: OrderTarget): Promise<OrderRecord> {
  const row = await loadOrderRowForChange(tctx, target);
  return { row, lines: await linesOf(tctx, row.id) };
}

/** One order's lines in position order, read in the change's transaction. */
export async function linesOf(tctx: TxCtx, orderId: string): Promise<LineRow[]> {
  return (await linesOfOrder.execute(tctx.tx, { orderId })).rows;
}

/**
 * Loads an order the actor may access on the Orders API, locked for change; NOT_FOUND otherwise — the same
 * answer whether the order does not exist or belongs to someone else.
 */
export async function loadOrderRowForChange(tctx: TxCtx, target: OrderTarget): Promise<OrderRow> {
  const row = await lockOrder(tctx.services.db, tctx.tx, target);
  const label = 'id' in target ? target.id : target.externalReference;
  if (!row || !merchantMayAccess(tctx, row)) throw notFound('order', label);
  return row;
}

/** Inserts a new order and its lines; the database assigns `number`. */
export async function insertOrder(
  tctx: TxCtx,
  row: Omit<OrderRow, 'number'>,
  lines: LineFields[],
  lineStatus: LineStatus,
): Promise<OrderRecord> {
  const number = await insertOrderRow(tctx.services.db, tctx.tx, row).catch(duplicateReference(row.external_reference));
  const lineRows = await replaceLines(tctx, row.id, row.organization_id, lines, lineStatus, false);
  return { row: { ...row, number }, lines: lineRows };
}

export async function replaceLines(
  tctx: TxCtx,
  orderId: string,
  organizationId: string,
  lines: LineFields[],
  status: LineStatus,
  deleteOld = true,
): Promise<LineRow[]> {
  if (deleteOld) await tctx.tx.deleteFrom('order_lines').where('order_id', '=', orderId).execute();
  if (lines.length === 0) return [];
  return tctx.tx
    .insertInto('order_lines')
    .values(
      lines.map((l, position) => ({
        order_id: orderId,
        organization_id: organizationId,
        position,
        sku: l.sku,
        label: l.label,
        quantity: l.quantity,
        price: l.price,
        vat_rate: l.vatRate,
        supplier_id: l.supplierId,
        status,
      })),
    )
    .returningAll()
    .execute()
    .then((rows) => rows.sort((a, b) => a.position - b.position));
}

export async function setLineStatus(tctx: TxCtx, orderIds: string[], status: LineStatus): Promise<void> {
  if (orderIds.length === 0) return;
  await tctx.tx.updateTable('order_lines').set({ status }).where('order_id', 'in', orderIds).execute();
}

/**
 * Writes changed columns, bumping the version by the number of history rows the change writes (one, unless a
 * split order's opening adds one per delivery order); the version check makes a missed lock fail loudly.
 */
export async function updateOrderRow(tctx: TxCtx, row: OrderRow, set: Updateable<OrderTable>, versionStep = 1): Promise<OrderRow> {
  const { next, written } = writeOrderRow(tctx, row, set, versionStep);
  await written;
  return next;
}

/**
 * `updateOrderRow` without waiting: the row as written, and the write's outcome (it rejects as updateOrderRow
 * would). A caller that issues more statements before awaiting `written` must await it before COMMIT.
 */
export function writeOrderRow(tctx: TxCtx, row: OrderRow, set: Updateable<OrderTable>, versionStep = 1): { next: OrderRow; written: Promise<void> } {
  const version = row.version + versionStep;
  const updatedAt = isoNow();
  const next: Record<string, unknown> = { ...row, version, updated_at: updatedAt };
  const params: Record<string, unknown> = { version, updated_at: updatedAt, where_id: row.id, where_version: row.version };
  let columns = '';
  for (const c in set) {
    const value = (set as Record<string, unknown>)[c];
    if (value === undefined) continue;
    next[c] = params[c] = value;
    columns += `${c},`;
  }
  const deferred = tctx.deferredOrderWrites;
  if (deferred) {
    deferred.rows.push({ columns: `${columns}version,updated_at`, params });
    return { next: next as OrderRow, written: WRITTEN };
  }
  const written = updateOrderColumns(tctx.tx, `${columns}version,updated_at`, params).then((changedRows) => {
    if (changedRows !== 1) throw new Error(`order ${row.id} changed under a held lock`);
  }, duplicateReference(set.external_reference as string | null | undefined));
  return { next: next as OrderRow, written };
}

const WRITTEN: Promise<void> = Promise.resolve();

export function newOrderId(): string {
  return newRowId();
}
