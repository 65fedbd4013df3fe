/**
 * Order writes held back to the end of a batch of changes and then made set-based: every order row in one UPDATE
 * per set of changed columns, every history row in one INSERT (the request worker's batches,
 * requests/apply-request-batch.ts). While `tctx.deferredOrderWrites` is set, `updateOrderRow` and `recordHistory`
 * queue their writes there instead of running them. Only for changes that read neither back within the batch (a
 * merchant patch of an order's fields), of orders the batch holds locked, one change per order.
 */
import type { TxCtx } from '../context.ts';
import { updateOrderRows, type OrderRowWrite } from '../db/sql/update-order-rows.ts';
import { insertAuthoredHistoryRows, type AuthoredHistoryRow } from '../db/sql/record-history.ts';
import { inIssueOrder } from '../db/run-sql.ts';
import { isoNow } from '../clock.ts';

export interface DeferredOrderWrites {
  rows: OrderRowWrite[];
  history: AuthoredHistoryRow[];
}

declare module '../context.ts' {
  interface TxCtx {
    /** Set while order writes are deferred (above); declared here so that context.ts needs no orders. */
    deferredOrderWrites?: DeferredOrderWrites;
  }
}

export function newDeferredOrderWrites(): DeferredOrderWrites {
  return { rows: [], history: [] };
}

/**
 * What a batch has queued to write so far: order rows, history rows and events. Unchanged across a change that
 * threw means it wrote nothing, so the batch may refuse that change alone and go on.
 */
export function queuedWrites(tctx: TxCtx, deferred: DeferredOrderWrites): number {
  return deferred.rows.length + deferred.history.length + (tctx.outbox?.length ?? 0);
}

/**
 * Writes what was deferred, in the caller's transaction, and the caller's `more` writes issued right after them:
 * on PostgreSQL they all travel together (one round trip).
 */
export async function flushOrderWrites(tctx: TxCtx, deferred: DeferredOrderWrites, more?: () => Promise<unknown>): Promise<void> {
  const db = tctx.services.db;
  await inIssueOrder(updateOrderRows(db, tctx.tx, deferred.rows), insertAuthoredHistoryRows(db, tctx.tx, deferred.history, isoNow()), more?.());
}
