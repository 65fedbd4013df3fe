/**
 * Reading delivery orders on the Orders API (HappyColis names, scope `view_delivery_orders`): one by id, an
 * order's list, and a delivery order's fulfilment events, read from the order's history rows that carry its id.
 * A delivery order of an organization the token may not access is NOT_FOUND, as an order is.
 */
import type { Ctx } from '../context.ts';
import { requireScope } from '../auth/scopes.ts';
import { notFound } from '../errors/domain-error.ts';
import { readHistory, type OrderEventView } from '../orders/order-history.ts';
import { loadLines, merchantMayAccess } from '../orders/order-store.ts';
import { STATUS, statusName } from '../orders/status-transitions.ts';
import { deliveryOrdersOf, type DeliveryOrderRow } from './delivery-order-store.ts';
import { deliveryOrderView, type DeliveryOrderView } from './delivery-order-view.ts';

async function withLines(ctx: Ctx, orderId: string, rows: DeliveryOrderRow[]): Promise<DeliveryOrderView[]> {
  const lines = (await loadLines(ctx.services.db.kysely, [orderId])).get(orderId) ?? [];
  return rows.map((row) => deliveryOrderView({ row, lines: lines.filter((l) => l.delivery_order_id === row.id) }));
}

/** `deliveryOrder(id)`. */
export async function getDeliveryOrder(ctx: Ctx, id: string): Promise<DeliveryOrderView> {
  requireScope(ctx, 'view_delivery_orders');
  const row = await ctx.services.db.kysely.selectFrom('delivery_orders').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || !merchantMayAccess(ctx, row)) throw notFound('delivery order', id);
  return (await withLines(ctx, row.order_id, [row]))[0];
}

/** `deliveryOrders(orderId)`: the order's delivery orders in number order (none while it is DRAFT). */
export async function listDeliveryOrders(ctx: Ctx, orderId: string): Promise<DeliveryOrderView[]> {
  requireScope(ctx, 'view_delivery_orders');
  const order = await ctx.services.db.kysely.selectFrom('orders').select('organization_id').where('id', '=', orderId).executeTakeFirst();
  if (!order || !merchantMayAccess(ctx, order)) throw notFound('order', orderId);
  return orderDeliveryOrders(ctx, orderId);
}

/** `Order.deliveryOrders` of an order the caller was already allowed to read. */
export async function orderDeliveryOrders(ctx: Ctx, orderId: string): Promise<DeliveryOrderView[]> {
  requireScope(ctx, 'view_delivery_orders');
  const rows = (await deliveryOrdersOf(ctx.services.db.kysely, [orderId])).get(orderId)!;
  return rows.length === 0 ? [] : withLines(ctx, orderId, rows);
}

export interface FulfillmentEventView {
  type: string;
  level: 'NORMAL' | 'WARNING';
  message: string | null;
  date: string;
}

const PAUSES: readonly number[] = [STATUS.ON_HOLD, STATUS.QC_QUERY];

/** One history row of a delivery order as a HappyColis `fulfillmentData` event (FULFILLMENT_REJECTED, …). */
export function fulfillmentEvent(e: OrderEventView): FulfillmentEventView {
  const to = (field: string) => e.changes.find((c) => c.field === field)?.to;
  const status = to('status') as number | undefined;
  const said = (to('reason') ?? to('note') ?? null) as string | null;
  const statusText = status === undefined ? null : `${status} ${statusName(status)}`;
  const type =
    e.action === 'opened' || e.action === 'delivery-order-created' ? 'FULFILLMENT_REQUESTED'
    : e.action === 'rejected' ? 'FULFILLMENT_REJECTED'
    : e.action === 'rerouted' ? 'REROUTED'
    : to('state') === 'OPENED' ? 'FULFILLMENT_ACCEPTED'
    : e.action.toUpperCase().replace(/-/g, '_');
  const warn = e.action === 'rejected' || (status !== undefined && PAUSES.includes(status));
  const message = type === 'REROUTED' ? `rerouted to supplier ${to('supplierId')}` : [statusText, said].filter(Boolean).join(': ') || null;
  return { type, level: warn ? 'WARNING' : 'NORMAL', message, date: e.createdAt };
}

/** `DeliveryOrder.events`: its history rows, oldest first. */
export async function deliveryOrderEvents(ctx: Ctx, d: Pick<DeliveryOrderView, 'id' | 'orderId'>): Promise<FulfillmentEventView[]> {
  const history = await readHistory(ctx.services.db, d.orderId);
  return history.filter((e) => e.deliveryOrderId === d.id).map(fulfillmentEvent);
}
