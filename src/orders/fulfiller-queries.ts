/**
 * Reading orders as a fulfiller: its delivery orders (SPEC §5/§8), each with its order (delivery address,
 * references) and only its own lines, for organizations the token may act on.
 */
import type { Ctx } from '../context.ts';
import type { Executor } from '../db/database.ts';
import { requireScope } from '../auth/scopes.ts';
import { badInput, notFound } from '../errors/domain-error.ts';
import type { OrderRecord } from './order-record.ts';
import { loadLines } from './order-store.ts';
import { listDeliveryOrderRows } from '../db/sql/list-delivery-orders.ts';
import { fulfillerMayAccess } from './fulfiller-updates.ts';
import type { DeliveryOrderRow } from '../fulfilment/delivery-order-store.ts';

export interface FulfillerOrderFilter {
  ids?: number[] | null;
  status?: number[] | null;
  updatedSince?: string | null;
  limit?: number | null;
  afterId?: number | null;
}

/** A delivery order with its order; `order.lines` holds only the delivery order's lines. */
export interface FulfillerOrderRecord {
  deliveryOrder: DeliveryOrderRow;
  order: OrderRecord;
}

const MAX_LIMIT = 500;
/** Bounds the SQL parameters one filter may add (SQLite and PostgreSQL both cap them). */
const MAX_FILTER_VALUES = 5000;

async function withOrders(db: Executor, rows: DeliveryOrderRow[]): Promise<FulfillerOrderRecord[]> {
  if (rows.length === 0) return [];
  const orderIds = [...new Set(rows.map((r) => r.order_id))];
  const orders = await db.selectFrom('orders').selectAll().where('id', 'in', orderIds).execute();
  const byId = new Map(orders.map((o) => [o.id, o]));
  const lines = await loadLines(db, orderIds);
  return rows.map((d) => ({
    deliveryOrder: d,
    order: { row: byId.get(d.order_id)!, lines: lines.get(d.order_id)!.filter((l) => l.delivery_order_id === d.id) },
  }));
}

export async function listFulfillerOrders(ctx: Ctx, f: FulfillerOrderFilter): Promise<FulfillerOrderRecord[]> {
  const actor = requireScope(ctx, 'order-it.order-manager.view');
  const limit = f.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw badInput('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  for (const [field, list] of [['ids', f.ids], ['status', f.status]] as const) {
    if (list && list.length > MAX_FILTER_VALUES) throw badInput(field, `must list at most ${MAX_FILTER_VALUES} values`);
  }
  // An empty list asks for nothing, not for everything.
  if (f.ids?.length === 0 || f.status?.length === 0) return [];
  let updatedSince: string | undefined;
  if (f.updatedSince) {
    const t = Date.parse(f.updatedSince);
    if (Number.isNaN(t)) throw badInput('updated_since', 'must be an ISO 8601 date-time');
    updatedSince = new Date(t).toISOString();
  }
  const db = ctx.services.db;
  const rows = await listDeliveryOrderRows(db, {
    organizationIds: [...actor.organizationIds],
    ids: f.ids,
    status: f.status,
    updatedSince,
    afterId: f.afterId,
    limit,
  });
  return withOrders(db.kysely, rows);
}

/** One delivery order with its order, read without a token (a KornitX order push is built by the server itself). */
export async function loadFulfillerOrder(db: Executor, deliveryOrderId: string): Promise<FulfillerOrderRecord | undefined> {
  const row = await db.selectFrom('delivery_orders').selectAll().where('id', '=', deliveryOrderId).executeTakeFirst();
  return row ? (await withOrders(db, [row]))[0] : undefined;
}

export async function getFulfillerOrder(ctx: Ctx, number: number): Promise<FulfillerOrderRecord> {
  requireScope(ctx, 'order-it.order-manager.view');
  const db = ctx.services.db.kysely;
  const row = await db.selectFrom('delivery_orders').selectAll().where('number', '=', number).executeTakeFirst();
  if (!row || !fulfillerMayAccess(ctx, row)) throw notFound('order', number);
  return (await withOrders(db, [row]))[0];
}
