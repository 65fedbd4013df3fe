/** A shipment as the merchant dialect and webhook bodies see it (HappyColis names). */
import type { OutboxEvent } from '../webhooks/outbox.ts';
import type { ShipmentRecord } from './shipment-store.ts';

export interface ShipmentView {
  id: string;
  organizationId: string;
  orderId: string;
  reference: string | null;
  tracking: string | null;
  trackingUrl: string | null;
  carrierName: string | null;
  shippingMethodName: string | null;
  weight: number | null;
  state: ShipmentRecord['row']['state'];
  lastEvent: string;
  details: { sku: string | null; quantity: number; orderLineId: string }[];
  events: { nodes: { event: string; date: string; message: string | null; location: string | null; city: string | null; country: string | null }[] };
  deliveryOrder: { id: string; number: number };
  issuedAt: string;
  createdAt: string;
  updatedAt: string;
}

export function shipmentView({ row, items, events }: ShipmentRecord): ShipmentView {
  return {
    id: row.id,
    organizationId: row.organization_id,
    orderId: row.order_id,
    reference: row.reference,
    tracking: row.tracking_number,
    trackingUrl: row.tracking_url,
    carrierName: row.carrier,
    shippingMethodName: row.method,
    weight: row.weight,
    state: row.state,
    lastEvent: row.last_event,
    details: items.map((i) => ({ sku: i.sku, quantity: i.quantity, orderLineId: String(i.line_id) })),
    events: { nodes: events.map((e) => ({ event: e.event, date: e.date, message: e.message, location: e.location, city: e.city, country: e.country })) },
    deliveryOrder: { id: row.delivery_order_id, number: row.delivery_order_number },
    issuedAt: row.shipped_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A shipment's event, its body the shipment as it is now (`shipment` is not changed afterwards). */
export function shipmentEvent(type: OutboxEvent['type'], shipment: ShipmentRecord): OutboxEvent {
  return { type, organizationId: shipment.row.organization_id, orderId: shipment.row.order_id, subjectId: shipment.row.id, body: () => shipmentView(shipment) };
}
