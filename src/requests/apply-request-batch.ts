/**
 * Applies a batch of request jobs in one transaction, in a few statements whatever its size: the requests and
 * their orders are read (and on PostgreSQL locked) in two, the orders' lines in one, each request is decided as
 * apply-request.ts decides one (a patch of fields writing its order row and history with the batch's, in one
 * statement each), and the batch's requests are settled and its jobs finished in one statement each.
 * A claim holds at most one job per order (the oldest queued of its queue key), so the requests of one order
 * still apply one at a time, in order, each exactly once (the lock and the PENDING check, as for one).
 *
 * A patch of fields refused by a DomainError before it queued any write is REJECTED within the batch. Any other
 * request that throws (its change writes as it goes, or the error was unplanned) may have written part of its
 * change, so the whole transaction is rolled back; the batch runs again without it, and it is left to the
 * one-by-one path, which rejects or retries it as it does any request.
 */
import { withTransaction, type Ctx } from '../context.ts';
import { isDomainError } from '../errors/domain-error.ts';
import { completeJobs, type Job } from '../jobs/job-queue.ts';
import { lockRequestBatch } from '../db/sql/lock-request.ts';
import { loadLines } from '../orders/order-store.ts';
import { isoNow } from '../clock.ts';
import { flushOrderWrites, newDeferredOrderWrites, queuedWrites } from '../orders/deferred-order-writes.ts';
import type { OrderPatch } from '../orders/order-input.ts';
import { readsNothingBack } from '../orders/patch-diff.ts';
import { markSettled, reportSettled, type RequestRow, type Settlement } from './dispatchable-requests.ts';
import { decideRequest, rejectionMessage } from './decide-request.ts';

/** Rollbacks a batch may take (one request left out each time) before all of its jobs go one by one. */
const MAX_PASSES = 3;

const requestIdOf = (job: Job) => (job.payload as { requestId: string }).requestId;

/** A patch that reads back none of its writes has its order row and history written with the batch's. */
function deferrable(row: RequestRow): boolean {
  return row.type === 'ORDER_UPDATE' && readsNothingBack(JSON.parse(row.payload) as OrderPatch);
}

export async function applyRequestBatch(ctx: Ctx, jobs: Job[]): Promise<Job[]> {
  let batch = jobs;
  const left: Job[] = [];
  let later: Job[] = [];
  for (let pass = 0; pass < MAX_PASSES && batch.length > 0; pass++) {
    let failed: Job | undefined;
    try {
      await withTransaction(ctx, async (tctx) => {
        failed = undefined;
        const { requests, orders } = await lockRequestBatch(tctx.services.db, tctx.tx, batch.map(requestIdOf));
        const requestById = new Map(requests.map((r) => [r.id, r]));
        const orderById = new Map(orders.map((o) => [o.id, o]));
        const lines = await loadLines(tctx.tx, orders.map((o) => o.id));
        const completedAt = isoNow();
        const deferred = newDeferredOrderWrites();
        const settled: Settlement[] = [];
        const finished: number[] = [];
        later = [];
        for (const job of batch) {
          const row = requestById.get(requestIdOf(job));
          // A claim takes one job per order; should two of one order meet anyway, the second waits for the first.
          if (row?.state === 'PENDING' && settled.some((s) => s.row.order_id === row.order_id)) {
            later.push(job);
            continue;
          }
          finished.push(job.id);
          if (row?.state !== 'PENDING') continue; // settled by an earlier run of the same job
          const order = orderById.get(row.order_id);
          failed = job;
          if (!order) throw new Error(`order ${row.order_id} not found`); // the one-by-one path rejects it
          const deferring = deferrable(row);
          tctx.deferredOrderWrites = deferring ? deferred : undefined;
          const before = queuedWrites(tctx, deferred);
          let settlement: Settlement;
          try {
            settlement = { row, ...(await decideRequest(tctx, row, { row: order, lines: lines.get(order.id) ?? [] })) };
          } catch (e) {
            // A patch of fields refused before it queued a write (a stale expectedVersion, a taken reference, an
            // unknown supplier) wrote nothing: it is REJECTED here, as the one-by-one path would, and the batch goes on.
            if (!deferring || !isDomainError(e) || queuedWrites(tctx, deferred) !== before) throw e;
            settlement = { row, state: 'REJECTED', message: rejectionMessage(e) };
          }
          failed = undefined;
          settled.push(settlement);
          await reportSettled(tctx, [settlement], completedAt);
        }
        tctx.author = undefined;
        tctx.deferredOrderWrites = undefined;
        await flushOrderWrites(tctx, deferred);
        await markSettled(tctx, settled, completedAt);
        await completeJobs(tctx.tx, finished);
      });
      return [...left, ...later];
    } catch (e) {
      // Nothing of this pass was written. Without a culprit (BEGIN, COMMIT or a batch statement failed), every job
      // goes one by one.
      if (!failed) throw e;
      const culprit = failed;
      left.push(culprit);
      batch = batch.filter((j) => j !== culprit);
    }
  }
  return [...left, ...batch];
}
