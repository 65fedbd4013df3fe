/**
 * Reads one order row for a change: locked (FOR UPDATE) on PostgreSQL, so concurrent changes of one order queue
 * up instead of losing writes; SQLite has one writer at a time already.
 */
import type { Db, Executor } from '../database.ts';
import type { OrderRow } from '../../orders/order-record.ts';
import { compiledQuery, type Params } from '../compiled-query.ts';
import { runPrebuilt } from '../prebuilt-statements.ts';

export type OrderLockTarget = { id: string } | { externalReference: string; organizationId: string };

const orderById = compiledQuery((db, p: Params<{ id: string }>) => db.selectFrom('orders').selectAll().where('id', '=', p.id));
const orderByIdForUpdate = compiledQuery((db, p: Params<{ id: string }>) =>
  db.selectFrom('orders').selectAll().where('id', '=', p.id).forUpdate(),
);

export async function lockOrder(db: Db, tx: Executor, target: OrderLockTarget): Promise<OrderRow | undefined> {
  const lock = db.kind === 'postgres';
  if ('id' in target) return (await (lock ? orderByIdForUpdate : orderById).execute(tx, { id: target.id })).rows[0];
  let q = tx
    .selectFrom('orders')
    .selectAll()
    .where('organization_id', '=', target.organizationId)
    .where('external_reference', '=', target.externalReference);
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/**
 * Reads many orders by id for one batch of changes: on PostgreSQL locked in id order, so two batches (or a batch and
 * the request worker's, db/sql/lock-request.ts) sharing orders queue up instead of deadlocking.
 */
export async function lockOrders(db: Db, tx: Executor, ids: readonly string[]): Promise<OrderRow[]> {
  if (ids.length === 0) return [];
  if (db.kind === 'postgres') return runPrebuilt<OrderRow>(tx, 'SELECT * FROM orders WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [ids]);
  return runPrebuilt<OrderRow>(tx, 'SELECT * FROM orders WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(ids)]);
}
