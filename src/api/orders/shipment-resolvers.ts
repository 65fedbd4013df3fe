/** Orders API shipments (HappyColis names): `shipment`, `shipmentCreate`, `shipmentAddEvent`, and the shipments of orders and delivery orders. */
import type { Resolvers } from './schema-types.ts';
import { createShipments, type ShipmentDialect } from '../../shipments/create-shipments.ts';
import { addShippingEvent } from '../../shipments/add-shipping-event.ts';
import { deliveryOrderShipments, getShipment, orderShipments, shipmentDeliveryOrder } from '../../shipments/shipment-queries.ts';
import { shipmentView } from '../../shipments/shipment-view.ts';
import { merchantMayAccess } from '../../orders/order-store.ts';
import { MERCHANT_NAMES } from '../../shipments/field-names.ts';

const MERCHANT: ShipmentDialect = { scope: 'create_shipments', may: merchantMayAccess, names: () => MERCHANT_NAMES, list: 'input' };

export const shipmentQueries: Resolvers['Query'] = {
  shipment: (_, { shipmentId }, { ctx }) => getShipment(ctx, shipmentId),
};

export const shipmentMutations: Resolvers['Mutation'] = {
  shipmentCreate: async (_, { input }, { ctx }) => {
    const [r] = await createShipments(
      ctx,
      [
        {
          target: { deliveryOrderId: input.deliveryOrderId },
          items: input.details?.map((d) => ({ externalRef: d.sku, quantity: d.quantity })),
          carrier: input.carrierName,
          method: input.shippingMethodName,
          trackingNumber: input.tracking,
          trackingUrl: input.trackingUrl,
          reference: input.reference,
          weight: input.weight,
        },
      ],
      MERCHANT,
    );
    if (r instanceof Error) throw r;
    return { id: r.shipment.row.id, shipment: shipmentView(r.shipment) };
  },
  shipmentAddEvent: async (_, { input }, { ctx }) => shipmentView(await addShippingEvent(ctx, input.shipmentId, input)),
};

export const shipmentFields: Pick<Resolvers, 'Shipment'> & { orderShipments: NonNullable<Resolvers['Order']>['shipments']; deliveryOrderShipments: NonNullable<Resolvers['DeliveryOrder']>['shipments'] } = {
  Shipment: {
    deliveryOrder: (s, _, { ctx }) => shipmentDeliveryOrder(ctx, s),
  },
  orderShipments: (order, _, { ctx }) => orderShipments(ctx, order.id),
  deliveryOrderShipments: (d, _, { ctx }) => deliveryOrderShipments(ctx, d.number),
};
