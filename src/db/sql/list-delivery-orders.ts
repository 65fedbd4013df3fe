/**
 * The fulfiller dialect's `core.orders`: the delivery orders whose merchant and supplier the token may both act
 * on, by `number`, a page at a time. Each shape reads an index in the list's order, so a page costs its own rows
 * whatever the supplier's size (SPEC §11, #17; test/e2e/delivery-order-list-plans.test.ts EXPLAINs them):
 *
 * - `ids`: the unique index on number, one probe per id.
 * - `updated_since`: the range on (supplier_id, updated_at) of migration 006, then a sort of what it found. A
 *   poller asks for what changed since its last poll, so the range is what it reads anyway; walking the supplier's
 *   delivery orders by number instead (which PostgreSQL picked at 1M: 33× slower than at 10k) reads every older
 *   one first. `ORDER BY +number` keeps both databases off that walk.
 * - otherwise one arm per supplier organization (and per status when a few are asked), each a range of
 *   (supplier_id, number) or (supplier_id, status, number) of migration 028 that stops after `limit` rows; the
 *   arms are merged by number. An IN list on supplier or status would give neither database rows in number order,
 *   so it would read and sort every match.
 */
import { CompiledQuery, type Kysely, type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import type { Db } from '../database.ts';
import type { Database, DeliveryOrderTable } from '../tables.ts';

export interface DeliveryOrderListArgs {
  /** The token's organizations: a delivery order is listed when its merchant and its supplier are both among them. */
  organizationIds: string[];
  ids?: number[] | null;
  status?: number[] | null;
  /** ISO 8601, as stored. */
  updatedSince?: string | null;
  afterId?: number | null;
  limit: number;
}

/** More arms than this (organizations × statuses) walk each supplier by number and check the status instead. */
const MAX_ARMS = 24;

type DeliveryOrdersQuery = SelectQueryBuilder<Database, 'delivery_orders', Selectable<DeliveryOrderTable>>;


function base(db: Kysely<Database>, args: DeliveryOrderListArgs): DeliveryOrdersQuery {
  let q = db.selectFrom('delivery_orders').selectAll().where('organization_id', 'in', args.organizationIds);
  if (args.ids) q = q.where('number', 'in', args.ids);
  if (args.updatedSince) q = q.where('updated_at', '>=', args.updatedSince);
  if (args.afterId != null) q = q.where('number', '>', args.afterId);
  return q;
}

/**
 * One supplier's delivery orders by number. SQLite is told the index (below). PostgreSQL gets `= ANY(array)`
 * ordered by (supplier_id, number), which only the supplier's indexes yield in order: with an equality its
 * planner may walk the unique index on number and check each row's supplier instead — at 1M orders that read
 * another supplier's 9,000 rows before the first of this one's.
 */
function arm(db: Db, q: DeliveryOrdersQuery, supplier: string, limit: number): DeliveryOrdersQuery {
  if (db.kind === 'sqlite') return q.where('supplier_id', '=', supplier).orderBy('number').limit(limit);
  return q
    .where(sql<boolean>`supplier_id = any(${[supplier]}::text[])`)
    .orderBy('supplier_id')
    .orderBy('number')
    .limit(limit);
}

/** SQLite keeps no statistics here: each shape names its index. PostgreSQL plans from its statistics. */
function indexed(db: Db, query: CompiledQuery, index: string | undefined): CompiledQuery {
  if (db.kind !== 'sqlite' || !index) return query;
  return CompiledQuery.raw(query.sql.replaceAll('from "delivery_orders"', `from "delivery_orders" indexed by "${index}"`), [...query.parameters]);
}

export function deliveryOrderListQuery(db: Db, args: DeliveryOrderListArgs): CompiledQuery<Selectable<DeliveryOrderTable>> {
  const k = db.kysely;
  const orgs = [...new Set(args.organizationIds)];
  const statuses = args.status ? [...new Set(args.status)] : undefined;
  if (args.ids || args.updatedSince) {
    let q = base(k, args).where('supplier_id', 'in', orgs);
    if (statuses) q = q.where('status', 'in', statuses);
    // `+number`: ordered by number, but not through an index on it (see above).
    const ordered = q.orderBy(args.ids ? sql`number` : sql`+number`).limit(args.limit);
    return indexed(db, ordered.compile(), args.ids ? undefined : 'delivery_orders_supplier_updated') as never;
  }
  const perStatus = statuses !== undefined && orgs.length * statuses.length <= MAX_ARMS;
  const arms = orgs.flatMap((supplier) =>
    perStatus
      ? statuses.map((status) => arm(db, base(k, args).where('status', '=', status), supplier, args.limit))
      : [arm(db, statuses ? base(k, args).where('status', 'in', statuses) : base(k, args), supplier, args.limit)],
  );
  const merged =
    arms.length === 1
      ? arms[0]
      : arms
          .map((q, i) => k.selectFrom(q.as(`a${i}`)).selectAll())
          .reduce((all, q) => all.unionAll(q))
          .orderBy('number')
          .limit(args.limit);
  return indexed(db, merged.compile(), perStatus ? 'delivery_orders_supplier_status_number' : 'delivery_orders_supplier_number') as never;
}

export async function listDeliveryOrderRows(db: Db, args: DeliveryOrderListArgs): Promise<Selectable<DeliveryOrderTable>[]> {
  if (args.organizationIds.length === 0) return [];
  return (await db.kysely.executeQuery(deliveryOrderListQuery(db, args))).rows;
}
