/** Reading orders on the Orders API: one by id or external reference, and filtered, paged lists. */
import type { Ctx } from '../context.ts';
import { requireScope } from '../auth/scopes.ts';
import { badInput, notFound } from '../errors/domain-error.ts';
import { decodeCursor, pageSize, toConnection, type Connection } from '../paging.ts';
import { readHistory, type OrderEventView } from './order-history.ts';
import { orderView, type OrderView } from './order-record.ts';
import { loadLines, merchantMayAccess } from './order-store.ts';
import { listOrderRows, type OrderListFilter } from '../db/sql/list-orders.ts';

export type OrderFilter = OrderListFilter;

export async function getOrder(
  ctx: Ctx,
  by: { id?: string | null; externalReference?: string | null },
): Promise<OrderView> {
  const actor = requireScope(ctx, 'view_orders');
  const db = ctx.services.db.kysely;
  let q = db.selectFrom('orders').selectAll();
  if (by.id) q = q.where('id', '=', by.id);
  else if (by.externalReference) {
    q = q.where('organization_id', 'in', [...actor.organizationIds]).where('external_reference', '=', by.externalReference);
  } else throw badInput('id', 'or `byExternalReference` is required');
  const row = await q.executeTakeFirst();
  if (!row || !merchantMayAccess(ctx, row)) throw notFound('order', by.id ?? by.externalReference);
  const lines = (await loadLines(db, [row.id])).get(row.id)!;
  return orderView({ row, lines });
}

/**
 * A page of the caller's orders, newest first. `totalCount` is counted only when `countTotal` (the query selects
 * it), and only up to TOTAL_COUNT_CAP: an exact count would read every matching order (db/capped-count.ts).
 */
export async function listOrders(
  ctx: Ctx,
  args: { first?: number | null; after?: string | null; filter?: OrderFilter | null },
  opts: { countTotal: boolean } = { countTotal: true },
): Promise<Connection<OrderView>> {
  const actor = requireScope(ctx, 'view_orders');
  const db = ctx.services.db.kysely;
  const first = pageSize(args.first);
  let after: { createdAt: string; id: string } | undefined;
  if (args.after) {
    const [createdAt, id] = decodeCursor(args.after, 2);
    after = { createdAt, id };
  }
  const { rows, totalCount } = await listOrderRows(
    ctx.services.db,
    { organizationIds: [...actor.organizationIds], filter: args.filter ?? {}, limit: first + 1, after },
    { count: opts.countTotal },
  );
  const lines = await loadLines(db, rows.slice(0, first).map((r) => r.id));
  return toConnection(rows, { first, after: args.after, totalCount }, (r) => [r.created_at, r.id], (row) =>
    orderView({ row, lines: lines.get(row.id)! }),
  );
}

/** The history of an order the caller has already been allowed to read. */
export function orderHistory(ctx: Ctx, orderId: string): Promise<OrderEventView[]> {
  return readHistory(ctx.services.db, orderId);
}
