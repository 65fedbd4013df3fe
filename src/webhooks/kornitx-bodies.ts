/**
 * KORNITX bodies (SPEC §9; the KornitX "supplier API" and "generic API notification" pages):
 * - order push, for a supplier organization's webhook: on `delivery-order/created`, the Fulfiller API's Order
 *   (snake_case, with `items`), read when sent (the order was just routed);
 * - status callback, for a merchant organization's webhook: on `order/status-changed` (which every status change,
 *   shipment roll-up and cancellation produces), `{id, ref, external_ref, status, status_name, shipping_*,
 *   new_shipments, new_cancellations}`, where "new" means not in the last callback this webhook delivered for the
 *   order (the event snapshot of its last successful delivery), so the retailer need not consolidate.
 */
export const ORDER_PUSH_TYPES: readonly string[] = ['delivery-order/created'];
export const STATUS_CALLBACK_TYPES: readonly string[] = ['order/status-changed'];

interface LineLike {
  id: string | number;
  sku?: string | null;
  quantity: number;
  status?: string;
}
interface ShipmentLike {
  id: string;
  tracking?: string | null;
  trackingUrl?: string | null;
  details?: { sku?: string | null; quantity: number; lineId?: string | number }[];
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
  shipments?: ShipmentLike[];
}

const cancelled = (l: LineLike) => l.status === 'CANCELED';

/** The status callback for `current`, with what `previous` (the last delivered snapshot, if any) already said. */
export function statusCallback(current: OrderSnapshot, previous: OrderSnapshot | undefined) {
  const shippedBefore = new Set((previous?.shipments ?? []).map((s) => s.id));
  const cancelledBefore = new Set((previous?.lines ?? []).filter(cancelled).map((l) => String(l.id)));
  return {
    id: current.number,
    ref: current.id,
    external_ref: current.externalReference ?? null,
    status: current.status,
    status_name: current.statusName,
    shipping_carrier: current.shippingCarrier ?? null,
    shipping_method: current.shippingMethod ?? null,
    shipping_tracking: current.shippingTracking ?? null,
    new_shipments: (current.shipments ?? [])
      .filter((s) => !shippedBefore.has(s.id))
      .map((s) => ({
        tracking: s.tracking ?? null,
        tracking_url: s.trackingUrl ?? null,
        items: (s.details ?? []).map((d) => ({ id: d.lineId ?? null, external_ref: d.sku ?? null, quantity: d.quantity })),
      })),
    new_cancellations: (current.lines ?? [])
      .filter((l) => cancelled(l) && !cancelledBefore.has(String(l.id)))
      .map((l) => ({ id: l.id, external_ref: l.sku ?? null, quantity: l.quantity })),
  };
}
