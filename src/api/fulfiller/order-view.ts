/**
 * A delivery order as the fulfiller dialect (KornitX) shows it: the API's Order and the KORNITX webhook format's
 * order push are built here, from the delivery order and its merchant order.
 */
import type { Order, OrderItem } from './schema-types.ts';
import type { OrderRecord } from '../../orders/order-record.ts';
import type { DeliveryStatusRow } from '../../orders/fulfiller-updates.ts';
import type { DeliveryFields } from '../../orders/order-input.ts';
import { statusName } from '../../orders/status-transitions.ts';

/** What an Order resolves from: the whole order, or only its status fields when a bulk update selects no more. */
export type FulfillerOrderView = ReturnType<typeof fulfillerOrder> | ReturnType<typeof fulfillerOrderStatus>;

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
