/**
 * Reads a dispatchable request, locked on PostgreSQL: a job can run twice at once (a lease that ran out under a
 * slow worker), and the second run must wait for the first and then see the request settled.
 */
import type { Db, Executor } from '../database.ts';
import type { RequestRow } from '../../requests/dispatchable-requests.ts';
import { compiledQuery, type Params } from '../compiled-query.ts';

const requestById = compiledQuery((db, p: Params<{ id: string }>) => db.selectFrom('dispatchable_requests').selectAll().where('id', '=', p.id));
const requestByIdForUpdate = compiledQuery((db, p: Params<{ id: string }>) =>
  db.selectFrom('dispatchable_requests').selectAll().where('id', '=', p.id).forUpdate(),
);

export async function lockRequest(db: Db, tx: Executor, requestId: string): Promise<RequestRow | undefined> {
  const query = db.kind === 'postgres' ? requestByIdForUpdate : requestById;
  return (await query.execute(tx, { id: requestId })).rows[0];
}
