/** Inserts an order row; the database assigns `number` (`serial` on PostgreSQL, max + 1 on SQLite, counting delivery orders' numbers). */
import { sql } from 'kysely';
import type { Db, Executor } from '../database.ts';
import type { OrderRow } from '../../orders/order-record.ts';
import { MAX_NUMBER_SQLITE } from './next-order-numbers.ts';

export async function insertOrderRow(db: Db, tx: Executor, row: Omit<OrderRow, 'number'>): Promise<number> {
  const values =
    db.kind === 'postgres'
      ? row
      : // SQLite: one writer at a time, so max + 1 cannot collide.
        { ...row, number: sql<number>`(${sql.raw(MAX_NUMBER_SQLITE)} + 1)` };
  return (await tx.insertInto('orders').values(values).returning('number').executeTakeFirstOrThrow()).number;
}
