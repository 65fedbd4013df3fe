/** Reads one order's history rows in id order: on SQLite through the batched index plus the unindexed tail. */
import type { Selectable } from 'kysely';
import type { Db } from '../database.ts';
import type { OrderEventTable } from '../tables.ts';
import { runPrebuilt } from '../prebuilt-statements.ts';
import { INDEXED_THROUGH } from './record-history.ts';

const READ_SQLITE = `SELECT e.* FROM order_event_index i JOIN order_events e ON e.id = i.event_id WHERE i.order_id = ?
  UNION ALL SELECT * FROM order_events WHERE id > (${INDEXED_THROUGH}) AND order_id = ?
  ORDER BY id`;

export async function readHistoryRows(db: Db, orderId: string): Promise<Selectable<OrderEventTable>[]> {
  if (db.kind === 'sqlite') return runPrebuilt<Selectable<OrderEventTable>>(db.kysely, READ_SQLITE, [orderId, orderId]);
  return db.kysely.selectFrom('order_events').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
}
