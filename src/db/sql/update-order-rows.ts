/**
 * Writes many orders' changed columns in one UPDATE per set of columns (update-order-row.ts writes one): the
 * request worker's batches. Each row carries what `updateOrderColumns` takes: the new values by column, `where_id`
 * and `where_version`. PostgreSQL reads the rows from one JSON parameter typed as `orders` rows; SQLite from
 * `json_each`. The version check stays: a row changed under the batch's lock fails the batch loudly.
 */
import type { Db, Executor } from '../database.ts';
import { runSql } from '../run-sql.ts';

export interface OrderRowWrite {
  /** The changed columns, comma-separated, `version` and `updated_at` included. */
  columns: string;
  params: Record<string, unknown>;
}

export async function updateOrderRows(db: Db, tx: Executor, writes: OrderRowWrite[]): Promise<void> {
  const groups = new Map<string, OrderRowWrite[]>();
  for (const w of writes) {
    // The version step is part of the statement's shape: one bound value per group.
    const key = `${w.columns}:${(w.params.version as number) - (w.params.where_version as number)}`;
    const same = groups.get(key) ?? [];
    groups.set(key, same);
    same.push(w);
  }
  for (const same of groups.values()) {
    const columns = same[0].columns.split(',');
    const step = (same[0].params.version as number) - (same[0].params.where_version as number);
    const json = JSON.stringify(same.map((w) => Object.fromEntries([['id', w.params.where_id], ...columns.map((c) => [c, w.params[c]])])));
    const set = columns.map((c) => `${c} = v.${c}`).join(', ');
    const text =
      db.kind === 'postgres'
        ? `UPDATE orders SET ${set} FROM jsonb_populate_recordset(NULL::orders, $1::jsonb) v WHERE orders.id = v.id AND orders.version = v.version - $2`
        : `UPDATE orders SET ${set} FROM (SELECT ${['id', ...columns].map((c) => `json_extract(value, '$.${c}') AS ${c}`).join(', ')} FROM json_each(?)) v
            WHERE orders.id = v.id AND orders.version = v.version - ?`;
    const result = await runSql(tx, text, [json, step]);
    if (Number(result.numAffectedRows) !== same.length) throw new Error('an order of the batch changed under a held lock');
  }
}
