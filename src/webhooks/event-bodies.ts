/**
 * The feed's event bodies, read when the feed is polled: the current state of each event's subject, loaded in
 * one query per kind for a page. Recording a snapshot of every change for the feed would cost the write path
 * its body (reading an order's lines, serializing it, a larger row); a poller reconciling after downtime wants
 * the current state anyway (see docs/architecture.md, "The event feed").
 *
 * A new event family adds its loader here, keyed by the part of its type before the `/`.
 */
import type { Db, Executor } from '../db/database.ts';
import { loadLines } from '../orders/order-store.ts';
import { orderView, type OrderRecord } from '../orders/order-record.ts';
import { requestView } from '../requests/dispatchable-requests.ts';

/** Loads the bodies of these subjects (ids of one kind), keyed by id; missing ones (deleted, pruned) are absent. */
type BodyLoader = (db: Db, ids: string[]) => Promise<Map<string, unknown>>;

/** Orders with their lines, as they are now (missing ids are absent). */
export async function loadOrderRecords(db: Executor, ids: string[]): Promise<OrderRecord[]> {
  const rows = await db.selectFrom('orders').selectAll().where('id', 'in', ids).execute();
  const lines = await loadLines(db, rows.map((r) => r.id));
  return rows.map((row) => ({ row, lines: lines.get(row.id) ?? [] }));
}

const loaders: Record<string, BodyLoader> = {
  order: async (db, ids) => new Map((await loadOrderRecords(db.kysely, ids)).map((r) => [r.row.id, orderView(r)])),
  request: async (db, ids) => {
    const rows = await db.kysely.selectFrom('dispatchable_requests').selectAll().where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, requestView(r)]));
  },
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
    if (!ids) byKind.set(kind, (ids = new Set()));
    ids.add(s.subjectId);
  }
  const loaded = new Map<string, Map<string, unknown>>();
  await Promise.all([...byKind].map(async ([kind, ids]) => loaded.set(kind, await loaders[kind](db, [...ids]))));
  return subjects.map((s) => loaded.get(s.type.slice(0, s.type.indexOf('/')))?.get(s.subjectId ?? '') ?? null);
}
