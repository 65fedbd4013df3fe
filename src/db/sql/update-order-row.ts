/**
 * Writes the changed columns of one order at a known version. One compiled UPDATE per set of changed columns
 * (a handful in practice; bounded all the same): building it with Kysely each time cost more than running it.
 *
 * On PostgreSQL the write fails unless it wrote the row (migration 030's `og_order_written`): a change may send
 * COMMIT before reading the UPDATE's answer (pg-driver.ts), and a wrong version must then fail the transaction,
 * not be a count read after it committed. Checked in SQL, the UPDATE may also go out as one statement with the
 * change's inserts (run-sql.ts `checkedWriteSql`).
 */
import { PostgresAdapter } from 'kysely';
import type { Executor } from '../database.ts';
import { compiledQuery, type CompiledStatement, type Params } from '../compiled-query.ts';
import { checkedWriteSql } from '../run-sql.ts';

interface Update {
  statement: CompiledStatement<Record<string, unknown>, unknown>;
  /** PostgreSQL: the check of the UPDATE … RETURNING's rows, its order id the value after the statement's. */
  check?: string;
}

/** `params` holds the new values by column plus `where_id` and `where_version`; returns the rows changed. */
export async function updateOrderColumns(tx: Executor, columns: string, params: Record<string, unknown>): Promise<number> {
  const postgres = tx.getExecutor().adapter instanceof PostgresAdapter;
  const update = updateStatement(columns, postgres);
  if (!postgres) return Number((await update.statement.execute(tx, params)).numAffectedRows);
  const { sql, values } = update.statement.compiled(tx, params);
  update.check ??= `og_order_written((SELECT count(*) FROM {part}), $${values.length + 1})`;
  values.push(params.where_id);
  await checkedWriteSql(tx, sql, values, update.check);
  return 1; // else og_order_written raised
}

/** By set of columns; one map per dialect (the PostgreSQL text has RETURNING). */
const byDialect = { sqlite: new Map<string, Update>(), postgres: new Map<string, Update>() };
function updateStatement(key: string, postgres: boolean): Update {
  const updates = postgres ? byDialect.postgres : byDialect.sqlite;
  let update = updates.get(key);
  if (!update) {
    const columns = key.split(',');
    const statement = compiledQuery((db, p: Params<Record<string, unknown>>) => {
      const q = db
        .updateTable('orders')
        .set(Object.fromEntries(columns.map((c) => [c, p[c]])))
        .where('id', '=', p.where_id as string)
        .where('version', '=', p.where_version as number);
      return postgres ? q.returning('id') : q;
    });
    update = { statement };
    if (updates.size >= 200) updates.delete(updates.keys().next().value!);
    updates.set(key, update);
  }
  return update;
}
