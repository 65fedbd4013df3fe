/**
 * Fresh numbers from the orders' sequence, for the delivery orders of a split order: orders and delivery orders
 * share it, so a fulfiller's order id never names two things. PostgreSQL draws from the `serial`'s sequence;
 * SQLite (one writer) counts on from the highest number either table holds.
 */
import type { Db, Executor } from '../database.ts';
import { runPrebuilt } from '../prebuilt-statements.ts';

const NEXT_POSTGRES = "SELECT nextval(pg_get_serial_sequence('orders', 'number'))::int AS n FROM generate_series(1, $1::int)";
/** SQLite: the highest number in use, read inside the writer's transaction. */
export const MAX_NUMBER_SQLITE = '(SELECT max(n) FROM (SELECT coalesce(max(number), 0) AS n FROM orders UNION ALL SELECT coalesce(max(number), 0) FROM delivery_orders))';

export async function nextOrderNumbers(db: Db, tx: Executor, count: number): Promise<number[]> {
  if (count === 0) return [];
  if (db.kind === 'postgres') return (await runPrebuilt<{ n: number }>(tx, NEXT_POSTGRES, [count])).map((r) => Number(r.n));
  const [{ n }] = await runPrebuilt<{ n: number }>(tx, `SELECT ${MAX_NUMBER_SQLITE} AS n`, []);
  return Array.from({ length: count }, (_, i) => Number(n) + 1 + i);
}
