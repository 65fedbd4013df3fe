/** Reads and writes of delivery orders, inside the caller's transaction (the order row's lock guards them). */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { DeliveryOrderTable } from '../db/tables.ts';
import type { LineRow, LineStatus, OrderRecord } from '../orders/order-record.ts';
import { BEFORE_SHIPPED } from './roll-up.ts';

export type DeliveryOrderRow = Selectable<DeliveryOrderTable>;

/** A delivery order with its lines. */
export interface DeliveryOrderRecord {
  row: DeliveryOrderRow;
  lines: LineRow[];
}

/** Every delivery order of the orders, by order id, in number order. */
export async function deliveryOrdersOf(db: Executor, orderIds: readonly string[]): Promise<Map<string, DeliveryOrderRow[]>> {
  const byOrder = new Map<string, DeliveryOrderRow[]>(orderIds.map((id) => [id, []]));
  if (orderIds.length === 0) return byOrder;
  const rows = await db.selectFrom('delivery_orders').selectAll().where('order_id', 'in', orderIds).orderBy('number').execute();
  for (const r of rows) byOrder.get(r.order_id)?.push(r);
  return byOrder;
}

export async function insertDeliveryOrders(db: Executor, rows: DeliveryOrderRow[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('delivery_orders').values(rows).execute();
}

/** Puts lines into a delivery order with the status its lines have. */
export async function assignLines(db: Executor, lineIds: readonly number[], deliveryOrderId: string, status: string): Promise<void> {
  if (lineIds.length === 0) return;
  await db.updateTable('order_lines').set({ delivery_order_id: deliveryOrderId, status }).where('id', 'in', lineIds).execute();
}

/** Sets the status of one delivery order's lines (lines with units shipped keep theirs before dispatch: roll-up.ts `lineStatusWith`). */
export async function setDeliveryOrderLineStatus(db: Executor, orderId: string, deliveryOrderId: string, status: LineStatus): Promise<void> {
  let q = db
    .updateTable('order_lines')
    .set({ status })
    .where('order_id', '=', orderId)
    .where('delivery_order_id', '=', deliveryOrderId)
    .where('status', '<>', status);
  if (BEFORE_SHIPPED.has(status)) q = q.where('fulfilled_quantity', '=', 0);
  await q.execute();
}

/** Writes a delivery order's changed columns, bumping its version. */
export async function updateDeliveryOrderRow(db: Executor, row: DeliveryOrderRow, set: Partial<DeliveryOrderRow>, now: string): Promise<DeliveryOrderRow> {
  const next = { ...row, ...set, version: row.version + 1, updated_at: now };
  const res = await db
    .updateTable('delivery_orders')
    .set({ ...set, version: next.version, updated_at: now })
    .where('id', '=', row.id)
    .where('version', '=', row.version)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw new Error(`delivery order ${row.id} changed under a held lock`);
  return next;
}

/** The order's delivery orders with their lines (taken from the order's lines). */
export async function deliveryOrderRecords(db: Executor, order: OrderRecord): Promise<DeliveryOrderRecord[]> {
  const rows = (await deliveryOrdersOf(db, [order.row.id])).get(order.row.id)!;
  return rows.map((row) => ({ row, lines: order.lines.filter((l) => l.delivery_order_id === row.id) }));
}
