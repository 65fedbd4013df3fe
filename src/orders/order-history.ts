/** The order's history: one row per change (who, what changed from → to, when), written with the change. */
import type { Executor } from '../db/database.ts';
import type { TxCtx } from '../context.ts';

export type FieldChanges = Record<string, { from: unknown; to: unknown }>;

export interface HistoryEntry {
  orderId: string;
  organizationId: string;
  action: string;
  changes: FieldChanges;
}

export interface OrderEventView {
  id: string;
  action: string;
  clientId: string | null;
  requestId: string | null;
  changes: { field: string; from: unknown; to: unknown }[];
  createdAt: string;
}

export async function recordHistory(tctx: TxCtx, entries: HistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const now = new Date().toISOString();
  await tctx.tx
    .insertInto('order_events')
    .values(
      entries.map((e) => ({
        order_id: e.orderId,
        organization_id: e.organizationId,
        client_id: tctx.author ? tctx.author.clientId : (tctx.actor?.clientId ?? null),
        request_id: tctx.author ? tctx.author.requestId : tctx.requestId,
        action: e.action,
        changes: JSON.stringify(e.changes),
        created_at: now,
      })),
    )
    .execute();
}

export async function readHistory(db: Executor, orderId: string): Promise<OrderEventView[]> {
  const rows = await db.selectFrom('order_events').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
  return rows.map((r) => ({
    id: String(r.id),
    action: r.action,
    clientId: r.client_id,
    requestId: r.request_id,
    changes: Object.entries(JSON.parse(r.changes) as FieldChanges).map(([field, c]) => ({ field, from: c.from, to: c.to })),
    createdAt: r.created_at,
  }));
}
