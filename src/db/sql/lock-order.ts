/**
 * Reads one order row for a change: locked (FOR UPDATE) on PostgreSQL, so concurrent changes of one order queue
 * up instead of losing writes; SQLite has one writer at a time already.
 */
import type { Db, Executor } from '../database.ts';
import type { OrderRow } from '../../orders/order-record.ts';
import { compiledQuery, type Params } from '../compiled-query.ts';

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
