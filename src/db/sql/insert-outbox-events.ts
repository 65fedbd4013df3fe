/**
 * Inserts one chunk of outbox rows (each `[organization_id, order_id, subject_id, type, payload, created_at]`) and
 * returns their ids in the order given.
 */
import type { Transaction } from 'kysely';
import type { DbKind } from '../database.ts';
import type { Database } from '../tables.ts';
import { prebuilt, valuesRows } from '../prebuilt-statements.ts';
import { runSql, sendSql } from '../run-sql.ts';
import { statementName } from '../pg-driver.ts';

export async function insertOutboxEvents(tx: Transaction<Database>, kind: DbKind, rows: number, params: unknown[]): Promise<number[]> {
  const text = outboxInsert(kind, rows, true);
  const result = await runSql<{ id: number }>(tx, text, params, kind === 'postgres' ? statementName(text) : undefined);
  // PostgreSQL's RETURNING lists a multi-row insert's rows in VALUES order; SQLite gives the rows of one INSERT
  // consecutive ids (one writer; AUTOINCREMENT) and reports the last one.
  if (kind === 'postgres') return result.rows.map((r) => r.id);
  const last = Number(result.insertId);
  return Array.from({ length: rows }, (_, k) => last - (rows - 1 - k));
}

/** Inserts outbox rows whose ids nobody needs (no delivery job refers to them): on PostgreSQL not waited for. */
export function sendOutboxEvents(tx: Transaction<Database>, kind: DbKind, rows: number, params: unknown[]): Promise<unknown> {
  const text = outboxInsert(kind, rows, false);
  return sendSql(tx, text, params, kind === 'postgres' ? statementName(text) : undefined);
}

function outboxInsert(kind: DbKind, rows: number, returning: boolean): string {
  return prebuilt(kind, `outbox_events:${rows}:${returning}`, () =>
    `INSERT INTO outbox_events (organization_id, order_id, subject_id, type, payload, created_at) VALUES ${valuesRows(rows, '(?, ?, ?, ?, ?, ?)')}` +
    (kind === 'postgres' && returning ? ' RETURNING id' : ''),
  );
}
