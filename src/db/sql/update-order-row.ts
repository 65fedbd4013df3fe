/**
 * Writes the changed columns of one order at a known version. One compiled UPDATE per set of changed columns
 * (a handful in practice; bounded all the same): building it with Kysely each time cost more than running it.
 */
import type { Executor } from '../database.ts';
import { compiledQuery, type CompiledStatement, type Params } from '../compiled-query.ts';

/** `params` holds the new values by column plus `where_id` and `where_version`; returns the rows changed. */
export async function updateOrderColumns(tx: Executor, columns: string, params: Record<string, unknown>): Promise<number> {
  const res = await updateStatement(columns).execute(tx, params);
  return Number(res.numAffectedRows);
}

const updateStatements = new Map<string, CompiledStatement<Record<string, unknown>, unknown>>();
function updateStatement(key: string): CompiledStatement<Record<string, unknown>, unknown> {
  let statement = updateStatements.get(key);
  if (!statement) {
    const columns = key.split(',');
    statement = compiledQuery((db, p: Params<Record<string, unknown>>) =>
      db
        .updateTable('orders')
        .set(Object.fromEntries(columns.map((c) => [c, p[c]])))
        .where('id', '=', p.where_id as string)
        .where('version', '=', p.where_version as number),
    );
    if (updateStatements.size >= 200) updateStatements.delete(updateStatements.keys().next().value!);
    updateStatements.set(key, statement);
  }
  return statement;
}
