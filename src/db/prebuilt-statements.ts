/**
 * Bulk statements as prebuilt SQL text. A 1,000-row insert or update binds thousands of values, and Kysely's
 * builder spends milliseconds turning them into operation nodes and back into SQL; the text only depends on the
 * row count, so it is built once per shape and run as a CompiledQuery with a flat parameter list.
 */
import type { DbKind, Executor } from './database.ts';
import { runSql } from './run-sql.ts';
import { BoundedMap } from '../bounded-map.ts';

/** Rows per bulk statement: 1,000 rows of ≤ 16 values stays under SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
export const BULK_ROWS = 1000;
/** Keys carry a row count: the bound keeps odd batch sizes from piling up. */
const texts = new BoundedMap<string, string>(200);

/**
 * The SQL text for `key`, built once: `build` writes `?` placeholders (never inside literals), numbered `$1, $2…`
 * on PostgreSQL.
 */
export function prebuilt(kind: DbKind, key: string, build: () => string): string {
  const k = `${kind}:${key}`;
  let text = texts.get(k);
  if (text === undefined) {
    text = build();
    if (kind === 'postgres') {
      let n = 0;
      text = text.replace(/\?/g, () => `$${++n}`);
    }
    texts.set(k, text);
  }
  return text;
}

/** `(?, ?, …), (?, ?, …)…`: `rows` copies of one row's placeholder tuple. */
export function valuesRows(rows: number, tuple: string): string {
  return Array.from({ length: rows }, () => tuple).join(', ');
}

/** Runs prebuilt SQL in the caller's transaction (or outside one); returns its rows. */
export async function runPrebuilt<R>(db: Executor, text: string, params: readonly unknown[]): Promise<R[]> {
  return (await runSql<R>(db, text, params)).rows;
}
