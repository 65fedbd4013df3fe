/** The order's history: one row per change (who, what changed from → to, when), written with the change. */
import type { Executor } from '../db/database.ts';
import type { TxCtx } from '../context.ts';
import { BULK_ROWS, prebuilt, runPrebuilt, valuesRows } from '../db/prebuilt-statements.ts';

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

/** Writes one history row per entry in one statement per 1,000 entries (bulk updates bring 1,000 at once). */
export async function recordHistory(tctx: TxCtx, entries: HistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const now = new Date().toISOString();
  const clientId = tctx.author ? tctx.author.clientId : (tctx.actor?.clientId ?? null);
  const requestId = tctx.author ? tctx.author.requestId : tctx.requestId;
  const kind = tctx.services.db.kind;
  if (kind === 'postgres') {
    // One array per column: four parameters for PostgreSQL to parse and plan, however many entries.
    await runPrebuilt(
      tctx.tx,
      `INSERT INTO order_events (order_id, organization_id, client_id, request_id, action, changes, created_at)
        SELECT v.order_id, v.organization_id, $5, $6, v.action, v.changes, $7
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS v(order_id, organization_id, action, changes)`,
      [
        entries.map((e) => e.orderId),
        entries.map((e) => e.organizationId),
        entries.map((e) => e.action),
        entries.map((e) => JSON.stringify(e.changes)),
        clientId,
        requestId,
        now,
      ],
    );
    return;
  }
  if (entries.length === 1) {
    const [e] = entries;
    await runPrebuilt(tctx.tx, INSERT_ONE_SQLITE, [e.orderId, e.organizationId, clientId, requestId, e.action, JSON.stringify(e.changes), now]);
    return;
  }
  for (let from = 0; from < entries.length; from += BULK_ROWS) {
    const chunk = entries.slice(from, from + BULK_ROWS);
    // The values every row shares are bound once: 4 values a row instead of 7 (3.0 vs 3.9 ms for 1,000 rows).
    const text = prebuilt(kind, `order_events-shared:${chunk.length}`, () =>
      `INSERT INTO order_events (order_id, organization_id, client_id, request_id, action, changes, created_at)
        SELECT column1, column2, ?, ?, column3, column4, ? FROM (VALUES ${valuesRows(chunk.length, '(?, ?, ?, ?)')})`,
    );
    const params: unknown[] = [clientId, requestId, now];
    for (const e of chunk) params.push(e.orderId, e.organizationId, e.action, JSON.stringify(e.changes));
    await runPrebuilt(tctx.tx, text, params);
  }
}

/** A single entry (every change but the bulk ones): a plain one-row insert is the cheapest form. */
const INSERT_ONE_SQLITE =
  'INSERT INTO order_events (order_id, organization_id, client_id, request_id, action, changes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)';

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
