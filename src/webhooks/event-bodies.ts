/**
 * The feed's event bodies, read when the feed is polled: the current state of each event's subject, loaded in
 * one query per kind for a page. Recording a snapshot of every change for the feed would cost the write path
 * its body (reading an order's lines, serializing it, a larger row); a poller reconciling after downtime wants
 * the current state anyway (see docs/architecture.md, "The event feed").
 *
 * A new event family adds its loader here, keyed by the part of its type before the `/`.
 */
import type { Db } from '../db/database.ts';
import { loadLines } from '../orders/order-store.ts';
import { orderView } from '../orders/order-record.ts';
import { requestView } from '../requests/dispatchable-requests.ts';
import { deliveryOrderView } from '../fulfilment/delivery-order-view.ts';
import { readShipments } from '../shipments/shipment-store.ts';
import { shipmentView } from '../shipments/shipment-view.ts';

/** Loads the bodies of these subjects (ids of one kind), keyed by id; missing ones (deleted, pruned) are absent. */
type BodyLoader = (db: Db, ids: string[]) => Promise<Map<string, unknown>>;

const loaders: Record<string, BodyLoader> = {
  order: async (db, ids) => {
    const rows = await db.kysely.selectFrom('orders').selectAll().where('id', 'in', ids).execute();
    const lines = await loadLines(db.kysely, rows.map((r) => r.id));
    return new Map(rows.map((row) => [row.id, orderView({ row, lines: lines.get(row.id) ?? [] })]));
  },
  'delivery-order': async (db, ids) => {
    const rows = await db.kysely.selectFrom('delivery_orders').selectAll().where('id', 'in', ids).execute();
    const lines = await loadLines(db.kysely, [...new Set(rows.map((r) => r.order_id))]);
    return new Map(
      rows.map((row) => [row.id, deliveryOrderView({ row, lines: (lines.get(row.order_id) ?? []).filter((l) => l.delivery_order_id === row.id) })]),
    );
  },
  request: async (db, ids) => {
    const rows = await db.kysely.selectFrom('dispatchable_requests').selectAll().where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, requestView(r)]));
  },
  shipment: async (db, ids) => new Map((await readShipments(db.kysely, { ids })).map((s) => [s.row.id, shipmentView(s)])),
};

export interface BodySubject {
  type: string;
  subjectId: string | null;
}

/** The body of every subject (same index as `subjects`); null when its kind has no loader or it is gone. */
export async function loadBodies(db: Db, subjects: BodySubject[]): Promise<unknown[]> {
  const byKind = new Map<string, Set<string>>();
  for (const s of subjects) {
    const kind = s.type.slice(0, s.type.indexOf('/'));
    if (!s.subjectId || !loaders[kind]) continue;
    let ids = byKind.get(kind);
    if (!ids) {
      ids = new Set();
      byKind.set(kind, ids);
    }
    ids.add(s.subjectId);
  }
  const loaded = new Map<string, Map<string, unknown>>();
  await Promise.all([...byKind].map(async ([kind, ids]) => loaded.set(kind, await loaders[kind](db, [...ids]))));
  return subjects.map((s) => loaded.get(s.type.slice(0, s.type.indexOf('/')))?.get(s.subjectId ?? '') ?? null);
}
