/**
 * An order as the domain holds it (its row and lines) and its view: the plain object both dialects and the
 * webhook bodies are built from, with the Orders API's field names.
 */
import type { Selectable } from 'kysely';
import type { OrderLineTable, OrderTable } from '../db/tables.ts';
import type { DeliveryFields, LineFields, OrderFields } from './order-input.ts';
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

/** API field → column, for the scalar fields a merchant sets. */
export const FIELD_COLUMNS = {
  externalReference: 'external_reference',
  supplierId: 'supplier_id',
  invoiceNumber: 'invoice_number',
  type: 'type',
  dispatchingType: 'dispatching_type',
  priority: 'priority',
  inventoryPolicy: 'inventory_policy',
  total: 'total',
  totalTaxInclusive: 'total_tax_inclusive',
  totalShipping: 'total_shipping',
  currency: 'currency',
  issuedAt: 'issued_at',
  comment: 'comment',
} as const satisfies Record<keyof OrderFields, keyof OrderRow>;

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
    supplierId: row.supplier_id,
    externalReference: row.external_reference,
    invoiceNumber: row.invoice_number,
    type: row.type,
    dispatchingType: row.dispatching_type,
    priority: row.priority,
    inventoryPolicy: row.inventory_policy,
    state: row.state,
    status: row.status,
    // Status 0 of a DRAFT order means "not sent to anyone yet", not "Unknown" (the fulfiller never sees DRAFTs).
    statusName: row.state === 'DRAFT' && row.status === 0 ? 'Draft' : statusName(row.status),
    total: row.total,
    totalTaxInclusive: row.total_tax_inclusive,
    totalShipping: row.total_shipping,
    currency: row.currency,
    issuedAt: row.issued_at,
    delivery: row.delivery ? (JSON.parse(row.delivery) as DeliveryFields) : null,
    lines: lines.map(lineView),
    comment: row.comment,
    shippingCarrier: row.shipping_carrier,
    shippingMethod: row.shipping_method,
    shippingTracking: row.shipping_tracking,
    locked: row.locked === 1,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
