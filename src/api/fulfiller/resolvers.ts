/**
 * Fulfiller API resolvers (KornitX dialect): snake_case names and integer ids over the same domain. A failed
 * order of a batch is returned as its Error, which GraphQL turns into null at that index with the error's path.
 */
import type { Resolvers } from './schema-types.ts';
import { fulfillerOrder, fulfillerOrderStatus } from './order-view.ts';
import { viewer } from '../viewer.ts';
import { updateFulfillerOrders, type FulfillerResult } from '../../orders/fulfiller-updates.ts';
import { getFulfillerOrder, listFulfillerOrders } from '../../orders/fulfiller-queries.ts';
import { rejectDeliveryOrders } from '../../fulfilment/reject-delivery-orders.ts';
import { selectsOnly } from './selected-fields.ts';
import { JSONScalar } from '../scalars.ts';
import { readFeed } from '../../webhooks/event-feed.ts';
import { createShipmentsResolver, orderShipmentsResolver } from './shipment-resolvers.ts';

/** The Order fields `fulfillerOrderStatus` fills: a bulk update that selects only these loads no whole orders. */
const STATUS_FIELDS: ReadonlySet<string> = new Set([
  '__typename',
  'id',
  'ref',
  'status',
  'status_name',
  'shipping_carrier',
  'shipping_method',
  'shipping_tracking',
  'shipping_company',
  'shipping_address_4',
  'shipping_address_5',
]);

function fulfillerResult(r: FulfillerResult | Error) {
  if (r instanceof Error) return r;
  return r.order ? fulfillerOrder(r.deliveryOrder, r.order) : fulfillerOrderStatus(r.deliveryOrder);
}

export const fulfillerResolvers: Resolvers = {
  JSON: JSONScalar,
  Query: {
    viewer,
    core: () => ({}),
  },
  Mutation: {
    core: () => ({}),
  },
  CoreQuery: {
    orders: async (_, args, { ctx }) =>
      (
        await listFulfillerOrders(ctx, {
          ids: args.ids,
          status: args.status,
          updatedSince: args.updated_since,
          limit: args.limit,
          afterId: args.after_id,
        })
      ).map((r) => fulfillerOrder(r.deliveryOrder, r.order)),
    order: async (_, { id }, { ctx }) => {
      const r = await getFulfillerOrder(ctx, id);
      return fulfillerOrder(r.deliveryOrder, r.order);
    },
    events: async (_, args, { ctx }) =>
      (await readFeed(ctx, 'order-it.order-manager.view', { after: args.after, size: args.limit, sizeField: 'limit' })).edges.map((e) => e.node),
  },
  CoreMutation: {
    updateOrders: async (_, { orders }, { ctx }, info) => {
      const inputs = (orders ?? []).map((o) => {
        if (!o) return null;
        return {
          id: o.id,
          status: o.status,
          shippingCarrier: o.shipping_carrier,
          shippingMethod: o.shipping_method,
          shippingTracking: o.shipping_tracking,
          note: o.note,
        };
      });
      // Whole orders are loaded only when the query selects a field the status columns do not fill.
      const shape = selectsOnly(info, STATUS_FIELDS) ? 'status' : 'orders';
      const results = await updateFulfillerOrders(ctx, inputs, shape);
      return results.map(fulfillerResult);
    },
    rejectOrders: async (_, { orders }, { ctx }) => {
      const inputs = (orders ?? []).map((o) => (o ? { id: o.id, reason: o.reason, reasonCode: o.reason_code ?? null } : null));
      return (await rejectDeliveryOrders(ctx, inputs)).map(fulfillerResult);
    },
    createShipments: createShipmentsResolver,
  },
  Order: {
    shipments: orderShipmentsResolver,
  },
};
