/** Orders API resolvers: translate arguments, call one domain function, return its view. No rules here. */
import type { Resolvers } from './schema-types.ts';
import { viewer } from '../viewer.ts';
import { DateTime, JSONScalar } from '../scalars.ts';
import { cancelOrderCommand, createOrder, openOrderCommand, requestFulfillmentCommand, updateOrder } from '../../orders/order-commands.ts';
import { getOrder, listOrders, orderHistory } from '../../orders/order-queries.ts';
import { selectsTotalCount } from '../fulfiller/selected-fields.ts';
import { getDispatchableRequest } from '../../requests/dispatchable-requests.ts';
import { webhookQueries, webhookMutations } from './webhook-resolvers.ts';
import { deliveryOrderEvents, getDeliveryOrder, listDeliveryOrders, orderDeliveryOrders } from '../../fulfilment/delivery-order-queries.ts';
import { rerouteDeliveryOrderCommand } from '../../fulfilment/reroute-delivery-order.ts';
import { shipmentFields, shipmentMutations, shipmentQueries } from './shipment-resolvers.ts';

export const ordersResolvers: Resolvers = {
  DateTime,
  JSON: JSONScalar,
  Query: {
    viewer,
    order: (_, args, { ctx }) => getOrder(ctx, { id: args.id, externalReference: args.byExternalReference?.externalReference }),
    orders: (_, args, { ctx }, info) => listOrders(ctx, args, { countTotal: selectsTotalCount(info) }),
    dispatchableRequest: (_, { id }, { ctx }) => getDispatchableRequest(ctx, id),
    deliveryOrder: (_, { id }, { ctx }) => getDeliveryOrder(ctx, id),
    deliveryOrders: (_, { orderId }, { ctx }) => listDeliveryOrders(ctx, orderId),
    ...webhookQueries,
    ...shipmentQueries,
  },
  Mutation: {
    orderCreate: (_, { input }, { ctx }) => createOrder(ctx, input),
    orderUpdate: (_, { input }, { ctx }) => updateOrder(ctx, input),
    orderOpen: (_, { id }, { ctx }) => openOrderCommand(ctx, id),
    orderCancel: (_, { id }, { ctx }) => cancelOrderCommand(ctx, id),
    orderRequestFulfillment: (_, { id }, { ctx }) => requestFulfillmentCommand(ctx, id),
    deliveryOrderReroute: (_, { id, supplierId }, { ctx }) => rerouteDeliveryOrderCommand(ctx, id, supplierId),
    ...webhookMutations,
    ...shipmentMutations,
  },
  Order: {
    events: (order, _, { ctx }) => orderHistory(ctx, order.id),
    deliveryOrders: (order, _, { ctx }) => orderDeliveryOrders(ctx, order.id),
    shipments: shipmentFields.orderShipments,
  },
  DeliveryOrder: {
    events: (d, _, { ctx }) => deliveryOrderEvents(ctx, d),
    shipments: shipmentFields.deliveryOrderShipments,
  },
  Shipment: shipmentFields.Shipment,
};
