/**
 * Writes the outcome of changes of one order's delivery orders (computed by delivery-order-change.ts): each
 * changed delivery order with its lines, one history row per change (counted by both the order and the delivery
 * order), their events, and the order rolled up. The order row is locked by the caller.
 */
import type { TxCtx } from '../context.ts';
import { recordHistory, type HistoryEntry } from '../orders/order-history.ts';
import type { OrderRecord } from '../orders/order-record.ts';
import { updateOrderRow } from '../orders/order-store.ts';
import { emitEvents, type OutboxEvent } from '../webhooks/outbox.ts';
import { orderEvents } from '../orders/order-changes.ts';
import { createdChanges, deliveryOrderCreatedEvents, deliveryOrderEvent } from './delivery-order-view.ts';
import { isoNow } from '../clock.ts';
import type { DeliveryOrderOutcome, DeliveryStatusRow } from './delivery-order-change.ts';
import { orderRollUp } from './delivery-order-change.ts';
import { lineStatusWith } from './roll-up.ts';
import { setDeliveryOrderLineStatus, updateDeliveryOrderRow, type DeliveryOrderRecord, type DeliveryOrderRow } from './delivery-order-store.ts';

export interface DeliveryOrderWrite {
  current: DeliveryOrderRecord;
  outcome: DeliveryOrderOutcome<DeliveryStatusRow>;
  /** Columns the outcome's row does not carry (a rejection's reason, a reroute's link). */
  extra?: Partial<DeliveryOrderRow>;
}

/** Writes the changes and the order's roll-up over `all` (every delivery order of the order, as they are now). */
export async function writeDeliveryOrderChanges(
  tctx: TxCtx,
  order: OrderRecord,
  all: DeliveryOrderRecord[],
  writes: DeliveryOrderWrite[],
  created: DeliveryOrderRecord[] = [],
): Promise<{ order: OrderRecord; deliveryOrders: DeliveryOrderRecord[] }> {
  if (writes.length === 0 && created.length === 0) return { order, deliveryOrders: all };
  const now = isoNow();
  const history: HistoryEntry[] = [];
  const events: OutboxEvent[] = [];
  const byId = new Map(all.map((d) => [d.row.id, d]));
  let lines = order.lines;
  for (const { current, outcome, extra } of writes) {
    const { id: _id, version: _version, ...columns } = outcome.row;
    const row = await updateDeliveryOrderRow(tctx.tx, current.row, { ...columns, ...extra }, now);
    let doLines = current.lines;
    const lineStatus = outcome.lineStatus;
    if (lineStatus) {
      await setDeliveryOrderLineStatus(tctx.tx, row.order_id, row.id, lineStatus);
      doLines = doLines.map((l) => ({ ...l, status: lineStatusWith(l, lineStatus) }));
      lines = lines.map((l) => (l.delivery_order_id === row.id ? { ...l, status: lineStatusWith(l, lineStatus) } : l));
    }
    const next = { row, lines: doLines };
    byId.set(row.id, next);
    history.push({ orderId: row.order_id, organizationId: row.organization_id, deliveryOrderId: row.id, action: outcome.action, changes: outcome.changes });
    for (const type of outcome.events) events.push(deliveryOrderEvent(type, next));
  }
  for (const d of created) {
    byId.set(d.row.id, d);
    history.push({
      orderId: d.row.order_id,
      organizationId: d.row.organization_id,
      deliveryOrderId: d.row.id,
      action: 'delivery-order-created',
      changes: createdChanges(d),
    });
    events.push(...deliveryOrderCreatedEvents(d));
  }
  const deliveryOrders = [...byId.values()].sort((a, b) => a.row.number - b.row.number);
  const rolled = orderRollUp(order.row, deliveryOrders.map((d) => d.row));
  const updatedOrder: OrderRecord = {
    row: await updateOrderRow(tctx, order.row, rolled.set, history.length),
    lines,
  };
  await recordHistory(tctx, history);
  await emitEvents(tctx, [...events, ...orderEvents(tctx, updatedOrder, ...rolled.events)]);
  return { order: updatedOrder, deliveryOrders };
}
