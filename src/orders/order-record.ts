/**
 * An order as the domain holds it (its row and lines) and its view: the plain object both dialects and the
 * webhook bodies are built from, with the Orders API's field names.
 */
import type { Selectable } from 'kysely';
import type { OrderLineTable, OrderTable } from '../db/tables.ts';
import { ORDER_FIELDS, type DeliveryFields, type LineFields, type OrderFields } from './order-input.ts';
import { statusName } from './status-transitions.ts';

export type OrderRow = Selectable<OrderTable>;
export type LineRow = Selectable<OrderLineTable>;
export type LineStatus = 'PENDING' | 'ACCEPTED' | 'IN_PROGRESS' | 'PARTIALLY_FULFILLED' | 'FULFILLED' | 'CANCELED' | 'REJECTED';

export interface OrderRecord {
  row: OrderRow;
  lines: LineRow[];
}

export interface OrderLineView extends LineFields {
  id: string;
  status: LineStatus;
  deliveryOrderId: string | null;
  fulfilledQuantity: number;
}

export interface OrderView extends Required<OrderFields> {
  id: string;
  number: number;
  organizationId: string;
  state: OrderRow['state'];
  status: number;
  statusName: string;
  delivery: DeliveryFields | null;
  lines: OrderLineView[];
  shippingCarrier: string | null;
  shippingMethod: string | null;
  shippingTracking: string | null;
  locked: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

type SnakeCase<S extends string> = S extends `${infer H}${infer T}` ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<T>}` : S;

/** API field → column, for the scalar fields a merchant sets: the column is the field's name in snake_case. */
export const FIELD_COLUMNS = Object.fromEntries(ORDER_FIELDS.map((f) => [f, f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)])) as {
  [K in keyof OrderFields]-?: SnakeCase<K>;
} satisfies Record<keyof OrderFields, keyof OrderRow>;

/** The merchant-set fields of an order row, by API name. */
export function orderFieldsOf(row: OrderRow): Required<OrderFields> {
  const fields: Record<string, unknown> = {};
  for (const f of ORDER_FIELDS) fields[f] = row[FIELD_COLUMNS[f]];
  return fields as Required<OrderFields>;
}

/** The columns a new order's fields fill (null where a field is absent). */
export function fieldColumns(fields: OrderFields): Pick<OrderRow, (typeof FIELD_COLUMNS)[keyof OrderFields]> {
  const columns: Record<string, unknown> = {};
  for (const f of ORDER_FIELDS) columns[FIELD_COLUMNS[f]] = fields[f] ?? null;
  return columns as Pick<OrderRow, (typeof FIELD_COLUMNS)[keyof OrderFields]>;
}

/** The fields of a line a merchant sets (what an update's `lines` is compared with). */
export function lineFields(l: LineRow): LineFields {
  return { sku: l.sku, label: l.label, quantity: l.quantity, price: l.price, vatRate: l.vat_rate, supplierId: l.supplier_id };
}

export function lineView(l: LineRow): OrderLineView {
  return {
    id: String(l.id),
    sku: l.sku,
    label: l.label,
    quantity: l.quantity,
    price: l.price,
    vatRate: l.vat_rate,
    supplierId: l.supplier_id,
    status: l.status as LineStatus,
    deliveryOrderId: l.delivery_order_id,
    fulfilledQuantity: l.fulfilled_quantity,
  };
}

export function orderView({ row, lines }: OrderRecord): OrderView {
  return {
    id: row.id,
    number: row.number,
    organizationId: row.organization_id,
    ...orderFieldsOf(row),
    state: row.state,
    status: row.status,
    // Status 0 of a DRAFT order means "not sent to anyone yet", not "Unknown" (the fulfiller never sees DRAFTs).
    statusName: row.state === 'DRAFT' && row.status === 0 ? 'Draft' : statusName(row.status),
    delivery: row.delivery ? (JSON.parse(row.delivery) as DeliveryFields) : null,
    lines: lines.map(lineView),
    shippingCarrier: row.shipping_carrier,
    shippingMethod: row.shipping_method,
    shippingTracking: row.shipping_tracking,
    locked: row.locked === 1,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
