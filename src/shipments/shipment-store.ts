/**
 * Reads of shipments, their items and carrier events, and the row lock of a carrier event, inside the caller's
 * transaction or not (new shipments are inserted by db/sql/insert-shipments.ts).
 */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { ShipmentEventTable, ShipmentTable } from '../db/tables.ts';

export type ShipmentRow = Selectable<ShipmentTable>;
export type ShipmentEventRow = Selectable<ShipmentEventTable>;

export interface ShipmentItem {
  line_id: number;
  quantity: number;
  sku: string | null;
}

/** A shipment with its items and (when read) its carrier events, oldest first. */
export interface ShipmentRecord {
  row: ShipmentRow;
  items: ShipmentItem[];
  events: ShipmentEventRow[];
}

export type ShipmentsOf = { ids: readonly string[] } | { orderIds: readonly string[] } | { deliveryOrderNumbers: readonly number[] };

/** Shipments with their items and events, oldest first. */
export async function readShipments(db: Executor, of: ShipmentsOf): Promise<ShipmentRecord[]> {
  let q = db.selectFrom('shipments').selectAll();
  if ('ids' in of) {
    if (of.ids.length === 0) return [];
    q = q.where('id', 'in', of.ids);
  } else if ('orderIds' in of) {
    if (of.orderIds.length === 0) return [];
    q = q.where('order_id', 'in', of.orderIds);
  } else {
    if (of.deliveryOrderNumbers.length === 0) return [];
    q = q.where('delivery_order_number', 'in', of.deliveryOrderNumbers);
  }
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [items, events] = await Promise.all([
    db
      .selectFrom('shipment_items as i')
      .innerJoin('order_lines as l', 'l.id', 'i.line_id')
      .select(['i.shipment_id', 'i.line_id', 'i.quantity', 'l.sku', 'l.position'])
      .where('i.shipment_id', 'in', ids)
      .orderBy('l.position')
      .execute(),
    db.selectFrom('shipment_events').selectAll().where('shipment_id', 'in', ids).orderBy('date').orderBy('created_at').execute(),
  ]);
  const byId = new Map<string, ShipmentRecord>(rows.map((row) => [row.id, { row, items: [], events: [] }]));
  for (const i of items) byId.get(i.shipment_id)!.items.push({ line_id: i.line_id, quantity: i.quantity, sku: i.sku });
  for (const e of events) byId.get(e.shipment_id)!.events.push(e);
  return [...byId.values()];
}

/**
 * Takes the shipment's row for a change: an UPDATE first, so that concurrent events of one shipment queue up on
 * its row lock on PostgreSQL (SQLite has one writer); undefined when there is none.
 */
export async function takeShipmentForChange(db: Executor, id: string, now: string): Promise<ShipmentRow | undefined> {
  return db.updateTable('shipments').set({ updated_at: now }).where('id', '=', id).returningAll().executeTakeFirst();
}
