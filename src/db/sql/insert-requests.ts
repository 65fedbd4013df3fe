/**
 * Inserts many dispatchable requests in one statement (a batch of DRAFT changes records one ACCEPTED request each:
 * orders/draft-update-batch.ts). PostgreSQL takes one array per column through `unnest`, SQLite a VALUES list.
 * Nobody reads the answer: on PostgreSQL it travels with the batch's next statements (run-sql.ts sendSql).
 */
import type { Db, Executor } from '../database.ts';
import type { DispatchableRequestTable } from '../tables.ts';
import { BULK_ROWS, prebuilt, valuesRows } from '../prebuilt-statements.ts';
import { sendSql } from '../run-sql.ts';

const COLUMNS = ['id', 'organization_id', 'order_id', 'type', 'state', 'message', 'payload', 'client_id', 'request_id', 'created_at', 'completed_at'] as const;

const INSERT_UNNEST_PG = `INSERT INTO dispatchable_requests (${COLUMNS.join(', ')})
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])`;

export async function insertRequestRows(db: Db, tx: Executor, rows: readonly DispatchableRequestTable[]): Promise<void> {
  if (rows.length === 0) return;
  if (db.kind === 'postgres') {
    await sendSql(tx, INSERT_UNNEST_PG, COLUMNS.map((c) => rows.map((r) => r[c])));
    return;
  }
  for (let from = 0; from < rows.length; from += BULK_ROWS) {
    const chunk = rows.slice(from, from + BULK_ROWS);
    const text = prebuilt('sqlite', `dispatchable_requests:${chunk.length}`, () =>
      `INSERT INTO dispatchable_requests (${COLUMNS.join(', ')}) VALUES ${valuesRows(chunk.length, `(${COLUMNS.map(() => '?').join(', ')})`)}`,
    );
    const params: unknown[] = [];
    for (const r of chunk) for (const c of COLUMNS) params.push(r[c]);
    await sendSql(tx, text, params);
  }
}
