/**
 * Fulfiller API resolvers (KornitX dialect): snake_case names and integer ids over the same domain. A failed
 * order of a batch is returned as its Error, which GraphQL turns into null at that index with the error's path.
 */
import type { Order, OrderItem, Resolvers } from './schema-types.ts';
import { viewer } from '../viewer.ts';
import type { OrderRecord } from '../../orders/order-record.ts';
import { statusName } from '../../orders/status-transitions.ts';
import { updateFulfillerOrders, type DeliveryStatusRow, type FulfillerResult } from '../../orders/fulfiller-updates.ts';
import { getFulfillerOrder, listFulfillerOrders } from '../../orders/fulfiller-queries.ts';
import { rejectDeliveryOrders } from '../../fulfilment/reject-delivery-orders.ts';
import type { DeliveryFields } from '../../orders/order-input.ts';
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

/** The fields of a fulfiller Order that come from the delivery order's status columns (or are always empty). */
export function fulfillerOrderStatus(row: DeliveryStatusRow) {
  return {
    id: row.number,
    ref: row.order_id,
    status: row.status,
    status_name: statusName(row.status),
    shipping_carrier: row.shipping_carrier,
    shipping_method: row.shipping_method,
    shipping_tracking: row.shipping_tracking,
    shipping_company: null,
    shipping_address_4: null,
    shipping_address_5: null,
  } satisfies Partial<Order>;
}

/**
 * A delivery order as its fulfiller sees it, with the merchant order's address and references and only the
 * delivery order's lines (`lines`). Address lines: 1 street, 2 complement, 3 city.
 */
export function fulfillerOrder(deliveryOrder: DeliveryStatusRow, { row, lines }: OrderRecord): Omit<Order, 'shipments'> {
  const d: DeliveryFields = row.delivery ? JSON.parse(row.delivery) : {};
  const items: OrderItem[] = lines.filter((l) => l.delivery_order_id === deliveryOrder.id).map((l) => {
    const status = l.status === 'CANCELED' ? 128 : deliveryOrder.status;
    return {
      id: l.id,
      ref: String(l.id),
      external_ref: l.sku,
      sku: l.sku,
      description: l.label,
      quantity: l.quantity,
      fulfilled_quantity: l.fulfilled_quantity,
      status,
      status_name: statusName(status),
    };
  });
  return {
    ...fulfillerOrderStatus(deliveryOrder),
    external_ref: row.external_reference,
    shipping_address_1: d.address ?? null,
    shipping_address_2: d.addressComplement ?? null,
    shipping_address_3: d.city ?? null,
    shipping_postcode: d.zipcode ?? null,
    shipping_country_code: d.country ?? null,
    customer_name: d.fullname ?? null,
    customer_email: d.email ?? null,
    customer_telephone: d.phone ?? null,
    sale_datetime: row.issued_at,
    creation_datetime: row.created_at,
    items,
  };
}

function fulfillerResult(r: FulfillerResult | Error) {
  if (r instanceof Error) return r;
  return r.order ? fulfillerOrder(r.deliveryOrder, r.order) : fulfillerOrderStatus(r.deliveryOrder);
}

export const fulfillerResolvers: Resolvers = {
  JSON: JSONScalar,
  Query: {
    viewer,
    core: () => ({}) as never,
  },
  Mutation: {
    core: () => ({}) as never,
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
      ).map((r) => fulfillerOrder(r.deliveryOrder, r.order)) as never,
    order: async (_, { id }, { ctx }) => {
      const r = await getFulfillerOrder(ctx, id);
      return fulfillerOrder(r.deliveryOrder, r.order) as never;
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
      return results.map(fulfillerResult) as never;
    },
    rejectOrders: async (_, { orders }, { ctx }) => {
      const inputs = (orders ?? []).map((o) => (o ? { id: o.id, reason: o.reason, reasonCode: o.reason_code ?? null } : null));
      return (await rejectDeliveryOrders(ctx, inputs)).map(fulfillerResult) as never;
    },
    createShipments: createShipmentsResolver,
  },
  Order: {
    shipments: orderShipmentsResolver,
  },
};
