/** Reading orders on the Orders API: one by id or external reference, and filtered, paged lists. */
import type { Ctx } from '../context.ts';
import { requireScope } from '../auth/scopes.ts';
import { badInput, notFound } from '../errors/domain-error.ts';
import { decodeCursor, pageSize, toConnection, type Connection } from '../paging.ts';
import { readHistory, type OrderEventView } from './order-history.ts';
import { orderView, type OrderView } from './order-record.ts';
import { loadLines, merchantMayAccess } from './order-store.ts';

export interface OrderFilter {
  number?: number | null;
  state?: string | null;
  status?: number | null;
  priority?: string | null;
  externalReference?: string | null;
  createdAfter?: string | null;
  createdBefore?: string | null;
}

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

/** `countTotal: false` skips the count (the dashboard pages with cursors; a count reads every matching row). */
export async function listOrders(
  ctx: Ctx,
  args: { first?: number | null; after?: string | null; filter?: OrderFilter | null },
  opts: { countTotal?: boolean } = {},
): Promise<Connection<OrderView>> {
  const actor = requireScope(ctx, 'view_orders');
  const db = ctx.services.db.kysely;
  const first = pageSize(args.first);
  const f = args.filter ?? {};
  let q = db.selectFrom('orders').where('organization_id', 'in', [...actor.organizationIds]);
  if (f.number != null) q = q.where('number', '=', f.number);
  if (f.state) q = q.where('state', '=', f.state as never);
  if (f.status != null) q = q.where('status', '=', f.status);
  if (f.priority) q = q.where('priority', '=', f.priority);
  if (f.externalReference) q = q.where('external_reference', '=', f.externalReference);
  if (f.createdAfter) q = q.where('created_at', '>', f.createdAfter);
  if (f.createdBefore) q = q.where('created_at', '<', f.createdBefore);

  const total = opts.countTotal === false ? { n: -1 } : await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  let page = q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(first + 1);
  if (args.after) {
    const [createdAt, id] = decodeCursor(args.after, 2);
    page = page.where((eb) =>
      eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]),
    );
  }
  const rows = await page.execute();
  const lines = await loadLines(db, rows.slice(0, first).map((r) => r.id));
  return toConnection(rows, { first, after: args.after, totalCount: Number(total.n) }, (r) => [r.created_at, r.id], (row) =>
    orderView({ row, lines: lines.get(row.id)! }),
  );
}

/** The history of an order the caller has already been allowed to read. */
export function orderHistory(ctx: Ctx, orderId: string): Promise<OrderEventView[]> {
  return readHistory(ctx.services.db, orderId);
}
