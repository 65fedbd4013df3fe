/**
 * Writes the changed columns of one order at a known version. One compiled UPDATE per set of changed columns
 * (a handful in practice; bounded all the same): building it with Kysely each time cost more than running it.
 *
 * On PostgreSQL the UPDATE fails unless it wrote the row (migration 030's `og_order_written`): a change may send
 * COMMIT before reading the UPDATE's answer (pg-driver.ts), and a wrong version must then fail the transaction,
 * not be a count read after it committed.
 */
import { PostgresAdapter, sql } from 'kysely';
import type { Executor } from '../database.ts';
import { BoundedMap } from '../../bounded-map.ts';
import { compiledQuery, type CompiledStatement, type Params } from '../compiled-query.ts';

type Statement = CompiledStatement<Record<string, unknown>, { written: number }>;

/** `params` holds the new values by column plus `where_id` and `where_version`; returns the rows changed. */
export async function updateOrderColumns(tx: Executor, columns: string, params: Record<string, unknown>): Promise<number> {
  const res = await updateStatement(columns).execute(tx, params);
  return res.rows.length === 1 ? 1 : Number(res.numAffectedRows);
}

const updateStatements = new BoundedMap<string, Statement>(200);
function updateStatement(key: string): Statement {
  let statement = updateStatements.get(key);
  if (!statement) {
    const columns = key.split(',');
    statement = compiledQuery((db, p: Params<Record<string, unknown>>) => {
      const update = db
        .updateTable('orders')
        .set(Object.fromEntries(columns.map((c) => [c, p[c]])))
        .where('id', '=', p.where_id as string)
        .where('version', '=', p.where_version as number);
      if (db.getExecutor().adapter instanceof PostgresAdapter) {
        return db
          .with('u', () => update.returning('id'))
          .selectFrom('u')
          .select(sql<number>`og_order_written(count(*), ${p.where_id})`.as('written'));
      }
      return update as never;
    });
    updateStatements.set(key, statement);
  }
  return statement;
}
