/** The order's history: one row per change (who, what changed from → to, when), written with the change. */
import type { Db } from '../db/database.ts';
import type { TxCtx } from '../context.ts';
import { insertHistoryRows } from '../db/sql/record-history.ts';
import { readHistoryRows } from '../db/sql/read-history.ts';
import { isoNow } from '../clock.ts';

export type FieldChanges = Record<string, { from: unknown; to: unknown }>;

export interface HistoryEntry {
  orderId: string;
  organizationId: string;
  action: string;
  changes: FieldChanges;
  /** Set for a change of one delivery order (it counts in that delivery order's history and version too). */
  deliveryOrderId?: string | null;
}

export interface OrderEventView {
  id: string;
  deliveryOrderId: string | null;
  action: string;
  clientId: string | null;
  requestId: string | null;
  changes: { field: string; from: unknown; to: unknown }[];
  createdAt: string;
}

/** Writes one history row per entry, in the caller's transaction (the SQL is in db/sql/record-history.ts). */
export function recordHistory(tctx: TxCtx, entries: HistoryEntry[]): Promise<void> | undefined {
  if (entries.length === 0) return undefined;
  const clientId = tctx.author ? tctx.author.clientId : (tctx.actor?.clientId ?? null);
  const requestId = tctx.author ? tctx.author.requestId : tctx.requestId;
  const rows = entries.map((e) => ({ orderId: e.orderId, organizationId: e.organizationId, action: e.action, changes: JSON.stringify(e.changes), deliveryOrderId: e.deliveryOrderId ?? null }));
  const deferred = tctx.deferredOrderWrites; // a batch of changes writes its history at its end (deferred-order-writes.ts)
  if (deferred) {
    for (const r of rows) deferred.history.push({ ...r, clientId, requestId });
    return undefined;
  }
  return insertHistoryRows(tctx.services.db, tctx.tx, rows, { clientId, requestId, now: isoNow() });
}

export async function readHistory(db: Db, orderId: string): Promise<OrderEventView[]> {
  const rows = await readHistoryRows(db, orderId);
  return rows.map((r) => ({
    id: String(r.id),
    deliveryOrderId: r.delivery_order_id,
    action: r.action,
    clientId: r.client_id,
    requestId: r.request_id,
    changes: Object.entries(JSON.parse(r.changes) as FieldChanges).map(([field, c]) => ({ field, from: c.from, to: c.to })),
    createdAt: r.created_at,
  }));
}
