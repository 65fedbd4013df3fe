/**
 * The merchant dialect's `orders` list: one page, newest first, and the capped `totalCount`. Every shape reads
 * an index of migrations 001/010/016 in its order (organization, [filter columns], created_at, id), so a
 * page costs its own rows whatever the organization's size; test/e2e/order-list-plans.test.ts EXPLAINs each
 * shape on both databases.
 *
 * `totalCount` is counted only when the query selects it, and only up to TOTAL_COUNT_CAP: an exact count of a
 * million orders reads a million index entries per request (the orders page went 2.5 → 33 ms from 10k to 1M
 * orders, `state: OPENED` 3.3 → 295 ms). Counters kept in each change's transaction were the alternative; they
 * would put a hot row (one per organization, or per organization and state) into every order creation and state
 * change — a lock that serializes one merchant's writers on PostgreSQL — and still could not answer the filter
 * combinations or date ranges the API allows. See docs/architecture.md.
 */
import { CompiledQuery, type Compilable, type Kysely, type Selectable, type SelectQueryBuilder } from 'kysely';
import type { Db } from '../database.ts';
import type { Database, OrderTable } from '../tables.ts';
import { cappedCount } from '../capped-count.ts';

export interface OrderListFilter {
  /** An order number: unique, so at most one row (the dashboard's search). */
  number?: number | null;
  state?: string | null;
  status?: number | null;
  priority?: string | null;
  externalReference?: string | null;
  createdAfter?: string | null;
  createdBefore?: string | null;
}

export interface OrderListArgs {
  organizationIds: string[];
  filter: OrderListFilter;
  /** Rows to read: the page size plus one (the extra row says whether there is a next page). */
  limit: number;
  /** The cursor's position: rows strictly older than (createdAt, id). */
  after?: { createdAt: string; id: string };
}

type OrdersQuery = SelectQueryBuilder<Database, 'orders', object>;

function filtered(db: Kysely<Database>, args: Pick<OrderListArgs, 'organizationIds' | 'filter'>): OrdersQuery {
  const f = args.filter;
  // One organization (every merchant client without extra access) is an equality: the index's first column.
  let q: OrdersQuery =
    args.organizationIds.length === 1
      ? db.selectFrom('orders').where('organization_id', '=', args.organizationIds[0])
      : db.selectFrom('orders').where('organization_id', 'in', args.organizationIds);
  if (f.number != null) q = q.where('number', '=', f.number);
  if (f.state) q = q.where('state', '=', f.state as never);
  if (f.status != null) q = q.where('status', '=', f.status);
  if (f.priority) q = q.where('priority', '=', f.priority);
  if (f.externalReference) q = q.where('external_reference', '=', f.externalReference);
  if (f.createdAfter) q = q.where('created_at', '>', f.createdAfter);
  if (f.createdBefore) q = q.where('created_at', '<', f.createdBefore);
  return q;
}

/** The index that serves a filter: the most selective equality it has, else the organization's orders by date. */
function indexFor(f: OrderListFilter): string | undefined {
  if (f.number != null) return undefined; // the unique index on number, which SQLite picks itself
  if (f.externalReference) return 'orders_org_external_reference';
  // A status belongs to one state: the status indexes serve state + status too.
  if (f.status != null) return f.priority ? 'orders_org_status_priority_created' : 'orders_org_status_created';
  if (f.state) return f.priority ? 'orders_org_state_priority_created' : 'orders_org_state_created';
  if (f.priority) return 'orders_org_priority_created';
  return 'orders_org_created';
}

/**
 * SQLite, which keeps no statistics here, weighs a date range like an equality and would walk the organization's
 * orders by date checking each one's state: it is told the index. PostgreSQL chooses from its statistics.
 */
function compileFor(db: Db, query: Compilable<unknown>, filter: OrderListFilter): CompiledQuery {
  const compiled = query.compile();
  const index = indexFor(filter);
  if (db.kind !== 'sqlite' || !index) return compiled;
  const text = compiled.sql.replace('from "orders"', `from "orders" indexed by "${index}"`);
  return CompiledQuery.raw(text, [...compiled.parameters]);
}

/** The page: a row-value comparison for the cursor, which both databases turn into an index range. */
export function orderPageQuery(db: Db, args: OrderListArgs): CompiledQuery<Selectable<OrderTable>> {
  let q = filtered(db.kysely, args).selectAll();
  if (args.after) {
    const { createdAt, id } = args.after;
    q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)));
  }
  return compileFor(db, q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(args.limit), args.filter) as never;
}

/** Counts the matching orders, up to TOTAL_COUNT_CAP (the page's cursor does not narrow it). */
export function orderCountQuery(db: Db, args: Omit<OrderListArgs, 'limit' | 'after'>): CompiledQuery<{ n: number }> {
  return compileFor(db, cappedCount(db.kysely, filtered(db.kysely, args).select('id')), args.filter) as never;
}

export async function listOrderRows(
  db: Db,
  args: OrderListArgs,
  opts: { count: boolean },
): Promise<{ rows: Selectable<OrderTable>[]; totalCount: number }> {
  const [page, count] = await Promise.all([
    db.kysely.executeQuery(orderPageQuery(db, args)),
    opts.count ? db.kysely.executeQuery(orderCountQuery(db, args)) : undefined,
  ]);
  return { rows: page.rows, totalCount: count ? Number(count.rows[0].n) : 0 };
}
