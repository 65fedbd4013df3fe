/** Inserts an order row; the database assigns `number` (`serial` on PostgreSQL, max + 1 on SQLite). */
import { sql } from 'kysely';
import type { Db, Executor } from '../database.ts';
import type { OrderRow } from '../../orders/order-record.ts';

export async function insertOrderRow(db: Db, tx: Executor, row: Omit<OrderRow, 'number'>): Promise<number> {
  const values =
    db.kind === 'postgres'
      ? row
      : // SQLite: one writer at a time, so max + 1 cannot collide.
        { ...row, number: sql<number>`(SELECT coalesce(max(number), 0) + 1 FROM orders)` };
  return (await tx.insertInto('orders').values(values).returning('number').executeTakeFirstOrThrow()).number;
}
