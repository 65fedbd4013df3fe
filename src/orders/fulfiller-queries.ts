/** Reading orders as a fulfiller: OPENED and COMPLETED orders of organizations the token may act on. */
import { sql } from 'kysely';
import type { Ctx } from '../context.ts';
import { requireScope } from '../auth/scopes.ts';
import { badInput, notFound } from '../errors/domain-error.ts';
import type { OrderRecord } from './order-record.ts';
import { loadLines } from './order-store.ts';
import { fulfillerMayAccess } from './fulfiller-updates.ts';

export interface FulfillerOrderFilter {
  ids?: number[] | null;
  status?: number[] | null;
  updatedSince?: string | null;
  limit?: number | null;
  afterId?: number | null;
}

const MAX_LIMIT = 500;
/** Bounds the SQL parameters one filter may add (SQLite and PostgreSQL both cap them). */
const MAX_FILTER_VALUES = 5000;

export async function listFulfillerOrders(ctx: Ctx, f: FulfillerOrderFilter): Promise<OrderRecord[]> {
  const actor = requireScope(ctx, 'order-it.order-manager.view');
  const limit = f.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw badInput('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  for (const [field, list] of [['ids', f.ids], ['status', f.status]] as const) {
    if (list && list.length > MAX_FILTER_VALUES) throw badInput(field, `must list at most ${MAX_FILTER_VALUES} values`);
  }
  const orgs = [...actor.organizationIds];
  let q = ctx.services.db.kysely
    .selectFrom('orders')
    .selectAll()
    .where('organization_id', 'in', orgs)
    .where('supplier_id', 'in', orgs)
    // Literals, not parameters: the predicate of the partial index orders_supplier_updated (migration 003).
    .where(sql<boolean>`state IN ('OPENED', 'COMPLETED')`);
  // An empty list asks for nothing, not for everything.
  if (f.ids?.length === 0 || f.status?.length === 0) return [];
  if (f.ids) q = q.where('number', 'in', f.ids);
  if (f.status) q = q.where('status', 'in', f.status);
  if (f.updatedSince) {
    const t = Date.parse(f.updatedSince);
    if (Number.isNaN(t)) throw badInput('updated_since', 'must be an ISO 8601 date-time');
    q = q.where('updated_at', '>=', new Date(t).toISOString());
  }
  if (f.afterId != null) q = q.where('number', '>', f.afterId);
  const rows = await q.orderBy('number').limit(limit).execute();
  const lines = await loadLines(ctx.services.db.kysely, rows.map((r) => r.id));
  return rows.map((row) => ({ row, lines: lines.get(row.id)! }));
}

export async function getFulfillerOrder(ctx: Ctx, number: number): Promise<OrderRecord> {
  requireScope(ctx, 'order-it.order-manager.view');
  const db = ctx.services.db.kysely;
  const row = await db.selectFrom('orders').selectAll().where('number', '=', number).executeTakeFirst();
  if (!row || !fulfillerMayAccess(ctx, row)) throw notFound('order', number);
  const lines = (await loadLines(db, [row.id])).get(row.id)!;
  return { row, lines };
}
