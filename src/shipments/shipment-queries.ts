/**
 * Reading shipments on the Orders API (HappyColis names, scope `view_shipments`): one by id, an order's, a
 * delivery order's, and a shipment's delivery order. A shipment of an organization the token may not access is
 * NOT_FOUND, as an order is.
 */
import type { Ctx } from '../context.ts';
import { requireScope } from '../auth/scopes.ts';
import { notFound } from '../errors/domain-error.ts';
import { loadLines, merchantMayAccess } from '../orders/order-store.ts';
import { deliveryOrderView, type DeliveryOrderView } from '../fulfilment/delivery-order-view.ts';
import { readShipments } from './shipment-store.ts';
import { shipmentView, type ShipmentView } from './shipment-view.ts';
import { shipmentsOf } from './shipment-loader.ts';

/** `shipment(shipmentId)`. */
export async function getShipment(ctx: Ctx, id: string): Promise<ShipmentView> {
  requireScope(ctx, 'view_shipments');
  const [found] = await readShipments(ctx.services.db.kysely, { ids: [id] });
  if (!found || !merchantMayAccess(ctx, found.row)) throw notFound('shipment', id);
  return shipmentView(found);
}

/** `Order.shipments` of an order the caller was already allowed to read (batched with its siblings'). */
export async function orderShipments(ctx: Ctx, orderId: string): Promise<ShipmentView[]> {
  requireScope(ctx, 'view_shipments');
  return (await shipmentsOf(ctx, 'order', orderId)).map(shipmentView);
}

/** `DeliveryOrder.shipments` of a delivery order the caller was already allowed to read. */
export async function deliveryOrderShipments(ctx: Ctx, number: number): Promise<ShipmentView[]> {
  requireScope(ctx, 'view_shipments');
  return (await shipmentsOf(ctx, 'deliveryOrder', number)).map(shipmentView);
}

/** `Shipment.deliveryOrder`: readable by whoever may read the shipment (same merchant organization). */
export async function shipmentDeliveryOrder(ctx: Ctx, s: Pick<ShipmentView, 'deliveryOrder' | 'orderId'>): Promise<DeliveryOrderView> {
  const db = ctx.services.db.kysely;
  const row = await db.selectFrom('delivery_orders').selectAll().where('id', '=', s.deliveryOrder.id).executeTakeFirstOrThrow();
  const lines = (await loadLines(db, [s.orderId])).get(s.orderId) ?? [];
  return deliveryOrderView({ row, lines: lines.filter((l) => l.delivery_order_id === row.id) });
}
