/**
 * Opening an order splits it into one delivery order per supplier (split.ts says which line goes where). A
 * single-supplier order's delivery order takes the order's own number; a split order's take fresh ones from the
 * same sequence. Runs in the opening's transaction; the caller writes the order row, its history and events.
 */
import type { TxCtx } from '../context.ts';
import { isDomainError } from '../errors/domain-error.ts';
import { nextOrderNumbers } from '../db/sql/next-order-numbers.ts';
import { newRowId } from '../db/row-ids.ts';
import type { HistoryEntry } from '../orders/order-history.ts';
import type { LineRow, OrderRecord, OrderRow } from '../orders/order-record.ts';
import { STATUS } from '../orders/status-transitions.ts';
import { assignLines, insertDeliveryOrders, type DeliveryOrderRecord, type DeliveryOrderRow } from './delivery-order-store.ts';
import { splitBySupplier } from './split.ts';
import { createdChanges } from './delivery-order-view.ts';
import { routeToSandbox } from '../sandbox/sandbox-jobs.ts';

export interface OpenedParts {
  deliveryOrders: DeliveryOrderRecord[];
  /** The order's lines with their delivery order and status. */
  lines: LineRow[];
  /** One 'delivery-order-created' history entry per delivery order of a split order (a single one shares the order's). */
  history: HistoryEntry[];
}

/** A new delivery order of `order` for `supplierId`: sent, awaiting the supplier (PENDING, 1 Received). */
export function newDeliveryOrderRow(order: Pick<OrderRow, 'id' | 'organization_id'>, supplierId: string, number: number, now: string): DeliveryOrderRow {
  return {
    id: newRowId(),
    number,
    order_id: order.id,
    organization_id: order.organization_id,
    supplier_id: supplierId,
    state: 'PENDING',
    status: STATUS.RECEIVED,
    locked: 0,
    shipping_carrier: null,
    shipping_method: null,
    shipping_tracking: null,
    reason: null,
    reason_code: null,
    rerouted_to: null,
    version: 1,
    created_at: now,
    updated_at: now,
  };
}

/** Creates the delivery orders of `record` (a DRAFT order being opened), at status 1 Received. */
export async function openDeliveryOrders(tctx: TxCtx, record: OrderRecord, defaultSupplierId: string | null, now: string): Promise<OpenedParts> {
  const { row } = record;
  const parts = splitBySupplier(record.lines, row.supplier_id, defaultSupplierId);
  if (isDomainError(parts)) throw parts;
  const single = parts.length === 1;
  const numbers = single ? [row.number] : await nextOrderNumbers(tctx.services.db, tctx.tx, parts.length);
  const deliveryOrders: DeliveryOrderRecord[] = parts.map((part, i) => ({
    row: newDeliveryOrderRow(row, part.supplierId, numbers[i], now),
    lines: part.lines.map((i) => record.lines[i]),
  }));
  await insertDeliveryOrders(tctx.tx, deliveryOrders.map((d) => d.row));
  await routeToSandbox(tctx, deliveryOrders.map((d) => d.row));
  const lines = record.lines.slice();
  for (const d of deliveryOrders) {
    await assignLines(tctx.tx, d.lines.map((l) => l.id), d.row.id, 'ACCEPTED');
    d.lines = d.lines.map((l) => ({ ...l, delivery_order_id: d.row.id, status: 'ACCEPTED' }));
    for (const l of d.lines) lines[lines.findIndex((x) => x.id === l.id)] = l;
  }
  const history: HistoryEntry[] = single
    ? []
    : deliveryOrders.map((d) => ({
        orderId: row.id,
        organizationId: row.organization_id,
        deliveryOrderId: d.row.id,
        action: 'delivery-order-created',
        changes: createdChanges(d),
      }));
  return { deliveryOrders, lines, history };
}
