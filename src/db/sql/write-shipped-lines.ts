/**
 * Writes the lines a batch of shipments changed (units shipped and status) in one statement, whatever the batch
 * size: from arrays on PostgreSQL (`unnest`), from one JSON array on SQLite.
 */
import type { Db, Executor } from '../database.ts';
import { runPrebuilt } from '../prebuilt-statements.ts';

export interface ShippedLine {
  id: number;
  fulfilled_quantity: number;
  status: string;
}

const POSTGRES = `UPDATE order_lines SET fulfilled_quantity = v.f, status = v.s
  FROM unnest($1::int[], $2::int[], $3::text[]) AS v(id, f, s) WHERE order_lines.id = v.id`;
const SQLITE = `WITH v(id, f, s) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?))
  UPDATE order_lines SET fulfilled_quantity = v.f, status = v.s FROM v WHERE order_lines.id = v.id`;

export async function writeShippedLines(db: Db, tx: Executor, lines: readonly ShippedLine[]): Promise<void> {
  if (lines.length === 0) return;
  if (db.kind === 'postgres') {
    await runPrebuilt(tx, POSTGRES, [lines.map((l) => l.id), lines.map((l) => l.fulfilled_quantity), lines.map((l) => l.status)]);
    return;
  }
  await runPrebuilt(tx, SQLITE, [JSON.stringify(lines.map((l) => [l.id, l.fulfilled_quantity, l.status]))]);
}
