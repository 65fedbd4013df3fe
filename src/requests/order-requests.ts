/**
 * An order's dispatchable requests for the dashboard's order page: the ones that were queued or refused. Those
 * accepted at once (DRAFT changes) are left out: their effect is in the order's history, and leaving them out of
 * the index (migration 009) keeps the hot path from paying for it.
 */
import { sql } from 'kysely';
import type { Ctx } from '../context.ts';
import { QUEUED_OR_REFUSED } from '../db/migrations/009-users-sessions.ts';
import { requestView, type DispatchableRequestView } from './dispatchable-requests.ts';

/** Newest first. The caller has already been allowed to read the order. */
export async function queuedOrRefusedRequests(ctx: Ctx, orderId: string, limit = 50): Promise<(DispatchableRequestView & { clientId: string | null })[]> {
  const rows = await ctx.services.db.kysely
    .selectFrom('dispatchable_requests')
    .selectAll()
    .where('order_id', '=', orderId)
    // The index's own predicate, word for word, so that both databases use it.
    .where(sql<boolean>`${sql.raw(QUEUED_OR_REFUSED)}`)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...requestView(r), clientId: r.client_id }));
}
