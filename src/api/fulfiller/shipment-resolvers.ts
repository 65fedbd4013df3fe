/** Fulfiller API shipments (KornitX Order Item Shipments names): `createShipments` and `Order.shipments`. */
import type { CoreMutationResolvers, OrderResolvers, Shipment, ShipmentInput } from './schema-types.ts';
import { createShipments, type CreateShipmentInput, type ShipmentDialect } from '../../shipments/create-shipments.ts';
import type { ShipmentRecord } from '../../shipments/shipment-store.ts';
import { shipmentsOf } from '../../shipments/shipment-loader.ts';
import { fulfillerMayAccess } from '../../orders/fulfiller-updates.ts';
import { fulfillerNames } from '../../shipments/field-names.ts';

const FULFILLER: ShipmentDialect = { scope: 'order-it.order-manager.edit', may: fulfillerMayAccess, names: fulfillerNames, list: 'shipments' };

export function fulfillerShipment({ row, items }: ShipmentRecord): Shipment {
  return {
    id: row.id,
    order_id: row.delivery_order_number,
    tracking_number: row.tracking_number,
    tracking_url: row.tracking_url,
    shipping_carrier: row.carrier,
    shipping_method: row.method,
    reference: row.reference,
    weight: row.weight,
    items: items.map((i) => ({ id: i.line_id, external_ref: i.sku, quantity: i.quantity })),
    state: row.state,
    last_event: row.last_event,
    shipped_datetime: row.shipped_at,
    created_datetime: row.created_at,
  };
}

function shipmentInput(s: ShipmentInput | null | undefined): CreateShipmentInput | null {
  if (!s) return null;
  const byId = s.order_id != null;
  const byRef = s.order_external_ref != null;
  return {
    target: byId === byRef ? undefined : byId ? { number: s.order_id! } : { externalRef: s.order_external_ref! },
    items: s.items?.map((it) => (it ? { id: it.id, externalRef: it.external_ref, quantity: it.quantity } : null)),
    carrier: s.shipping_carrier,
    method: s.shipping_method,
    trackingNumber: s.tracking_number,
    trackingUrl: s.tracking_url,
    reference: s.reference,
    weight: s.weight,
    shippedAt: s.shipped_at,
  };
}

export const createShipmentsResolver: CoreMutationResolvers['createShipments'] = async (_, { shipments }, { ctx }) => {
  const results = await createShipments(ctx, (shipments ?? []).map(shipmentInput), FULFILLER);
  return results.map((r) => (r instanceof Error ? r : fulfillerShipment(r.shipment)));
};

/** The parent order was checked already (a fulfiller reads only orders it may access). */
export const orderShipmentsResolver: OrderResolvers['shipments'] = async (order, _, { ctx }) =>
  (await shipmentsOf(ctx, 'deliveryOrder', order.id)).map(fulfillerShipment);
