/**
 * KORNITX bodies (SPEC §9; the KornitX "supplier API" and "generic API notification" pages):
 * - order push, for a supplier organization's webhook: on `delivery-order/created`, the Fulfiller API's Order
 *   (snake_case, with `items`), read when sent (the delivery order was just routed);
 * - status callback, for a merchant organization's webhook, on `order/status-changed` (every status change,
 *   cancellations included) and on `shipment/created` (every parcel): `{id, ref, external_ref, status,
 *   status_name, shipping_*, new_shipments, new_cancellations}`. A shipment's callback lists that parcel; a status
 *   change's lists the lines cancelled since the last status callback this webhook delivered for the order (its
 *   event snapshot), so the retailer need not consolidate.
 */
export const ORDER_PUSH_TYPES: readonly string[] = ['delivery-order/created'];
export const STATUS_CHANGE = 'order/status-changed';
export const SHIPMENT_CREATED = 'shipment/created';
export const STATUS_CALLBACK_TYPES: readonly string[] = [STATUS_CHANGE, SHIPMENT_CREATED];

interface LineLike {
  id: string | number;
  sku?: string | null;
  quantity: number;
  status?: string;
}
/** The parts of an Order view (merchant dialect) a status callback reads. */
export interface OrderSnapshot {
  id: string;
  number: number;
  externalReference?: string | null;
  status: number;
  statusName: string;
  shippingCarrier?: string | null;
  shippingMethod?: string | null;
  shippingTracking?: string | null;
  lines?: LineLike[];
}
/** The parts of a Shipment view (`shipment/created`'s body) a callback reads. */
export interface ShipmentSnapshot {
  tracking: string | null;
  trackingUrl: string | null;
  details: { sku: string | null; quantity: number; orderLineId: string }[];
}

const cancelled = (l: LineLike) => l.status === 'CANCELED';

function callback(order: OrderSnapshot, newShipments: ShipmentSnapshot[], newCancellations: LineLike[]) {
  return {
    id: order.number,
    ref: order.id,
    external_ref: order.externalReference ?? null,
    status: order.status,
    status_name: order.statusName,
    shipping_carrier: order.shippingCarrier ?? null,
    shipping_method: order.shippingMethod ?? null,
    shipping_tracking: order.shippingTracking ?? null,
    new_shipments: newShipments.map((s) => ({
      tracking: s.tracking,
      tracking_url: s.trackingUrl,
      items: s.details.map((d) => ({ id: Number(d.orderLineId), external_ref: d.sku, quantity: d.quantity })),
    })),
    new_cancellations: newCancellations.map((l) => ({ id: Number(l.id), external_ref: l.sku ?? null, quantity: l.quantity })),
  };
}

/** The callback of a status change: `current` with what `previous` (the last one delivered, if any) did not cancel. */
export function statusCallback(current: OrderSnapshot, previous: OrderSnapshot | undefined) {
  const cancelledBefore = new Set((previous?.lines ?? []).filter(cancelled).map((l) => String(l.id)));
  return callback(current, [], (current.lines ?? []).filter((l) => cancelled(l) && !cancelledBefore.has(String(l.id))));
}

/** The callback of a new parcel: the order as it is now, and that parcel. */
export function shipmentCallback(order: OrderSnapshot, shipment: ShipmentSnapshot) {
  return callback(order, [shipment], []);
}
