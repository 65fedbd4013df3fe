/**
 * Reads dispatchable requests, locked on PostgreSQL: a job can run twice at once (a lease that ran out under a
 * slow worker), and the second run must wait for the first and then see the request settled.
 */
import type { Db, Executor } from '../database.ts';
import type { RequestRow } from '../../requests/dispatchable-requests.ts';
import type { OrderRow } from '../../orders/order-record.ts';
import { compiledQuery, type Params } from '../compiled-query.ts';
import { runPrebuilt } from '../prebuilt-statements.ts';

const requestById = compiledQuery((db, p: Params<{ id: string }>) => db.selectFrom('dispatchable_requests').selectAll().where('id', '=', p.id));
const requestByIdForUpdate = compiledQuery((db, p: Params<{ id: string }>) =>
  db.selectFrom('dispatchable_requests').selectAll().where('id', '=', p.id).forUpdate(),
);

export async function lockRequest(db: Db, tx: Executor, requestId: string): Promise<RequestRow | undefined> {
  const query = db.kind === 'postgres' ? requestByIdForUpdate : requestById;
  return (await query.execute(tx, { id: requestId })).rows[0];
}

/**
 * A batch's requests and their orders, in two statements. On PostgreSQL both are locked in id order (the order
 * the fulfiller's bulk update locks orders in, so the two never deadlock); SQLite has one writer.
 */
export async function lockRequestBatch(db: Db, tx: Executor, requestIds: string[]): Promise<{ requests: RequestRow[]; orders: OrderRow[] }> {
  if (requestIds.length === 0) return { requests: [], orders: [] };
  if (db.kind === 'postgres') {
    const requests = await runPrebuilt<RequestRow>(tx, 'SELECT * FROM dispatchable_requests WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [requestIds]);
    const orderIds = [...new Set(requests.map((r) => r.order_id))];
    const orders = await runPrebuilt<OrderRow>(tx, 'SELECT * FROM orders WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [orderIds]);
    return { requests, orders };
  }
  const requests = await runPrebuilt<RequestRow>(tx, 'SELECT * FROM dispatchable_requests WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(requestIds)]);
  const orderIds = [...new Set(requests.map((r) => r.order_id))];
  const orders = await runPrebuilt<OrderRow>(tx, 'SELECT * FROM orders WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(orderIds)]);
  return { requests, orders };
}
