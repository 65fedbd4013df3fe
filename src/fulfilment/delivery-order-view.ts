/** A delivery order as both the merchant dialect and webhook bodies see it (HappyColis names). */
import type { LineStatus } from '../orders/order-record.ts';
import type { FieldChanges } from '../orders/order-history.ts';
import type { OutboxEvent } from '../webhooks/outbox.ts';
import { statusName } from '../orders/status-transitions.ts';
import type { DeliveryOrderRecord } from './delivery-order-store.ts';

export interface DeliveryOrderLineView {
  id: string;
  orderLineId: string;
  sku: string | null;
  label: string | null;
  quantity: number;
  fulfilledQuantity: number;
  status: LineStatus;
}

export interface DeliveryOrderView {
  id: string;
  number: number;
  orderId: string;
  organizationId: string;
  supplierId: string;
  state: DeliveryOrderRecord['row']['state'];
  status: number;
  statusName: string;
  reason: string | null;
  reasonCode: string | null;
  reroutedTo: string | null;
  shippingCarrier: string | null;
  shippingMethod: string | null;
  shippingTracking: string | null;
  version: number;
  lines: DeliveryOrderLineView[];
  createdAt: string;
  updatedAt: string;
}

export function deliveryOrderView({ row, lines }: DeliveryOrderRecord): DeliveryOrderView {
  return {
    id: row.id,
    number: row.number,
    orderId: row.order_id,
    organizationId: row.organization_id,
    supplierId: row.supplier_id,
    state: row.state,
    status: row.status,
    statusName: statusName(row.status),
    reason: row.reason,
    reasonCode: row.reason_code,
    reroutedTo: row.rerouted_to,
    shippingCarrier: row.shipping_carrier,
    shippingMethod: row.shipping_method,
    shippingTracking: row.shipping_tracking,
    version: row.version,
    lines: lines.map((l) => ({
      id: String(l.id),
      orderLineId: String(l.id),
      sku: l.sku,
      label: l.label,
      quantity: l.quantity,
      fulfilledQuantity: l.fulfilled_quantity,
      status: l.status as LineStatus,
    })),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A delivery order's event, its body the delivery order as it is now (the feed loads it by `subjectId`). */
export function deliveryOrderEvent(type: OutboxEvent['type'], d: DeliveryOrderRecord): OutboxEvent {
  return { type, organizationId: d.row.organization_id, orderId: d.row.order_id, subjectId: d.row.id, body: () => deliveryOrderView(d) };
}

/**
 * `delivery-order/created` for the merchant and for the supplier it is routed to (one body for both): the
 * supplier's webhooks (a KornitX order push) and its feed learn of the work without polling the merchant's.
 */
export function deliveryOrderCreatedEvents(d: DeliveryOrderRecord): OutboxEvent[] {
  const merchant = deliveryOrderEvent('delivery-order/created', d);
  if (d.row.supplier_id === d.row.organization_id) return [merchant];
  return [merchant, { ...merchant, organizationId: d.row.supplier_id }];
}

/** The history changes of a delivery order's creation. */
export function createdChanges(d: DeliveryOrderRecord): FieldChanges {
  return {
    number: { from: null, to: d.row.number },
    supplierId: { from: null, to: d.row.supplier_id },
    lines: { from: null, to: d.lines.map((l) => String(l.id)) },
  };
}
