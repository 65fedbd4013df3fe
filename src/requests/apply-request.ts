/**
 * The worker side of dispatchable requests: applies or rejects one PENDING request in one transaction that also
 * finishes its job, so a request re-run after a crash finds itself settled and does nothing. Jobs claimed together
 * run in batches (apply-request-batch.ts); this is the path of one, and of a batch's requests that failed in it.
 */
import { withTransaction, type Ctx, type TxCtx } from '../context.ts';
import { isDomainError } from '../errors/domain-error.ts';
import { completeJob, type Job } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/run-job.ts';
import { loadOrderForChange } from '../orders/order-store.ts';
import { lockRequest as lockRequestRow } from '../db/sql/lock-request.ts';
import { APPLY_REQUEST_JOB, settleRequest, type RequestRow } from './dispatchable-requests.ts';
import { applyRequestBatch } from './apply-request-batch.ts';
import { decideRequest, rejectionMessage } from './decide-request.ts';

const MAX_ATTEMPTS = 10;

function lockRequest(tctx: TxCtx, requestId: string): Promise<RequestRow | undefined> {
  return lockRequestRow(tctx.services.db, tctx.tx, requestId);
}

/** Settles the job's request as REJECTED in a fresh transaction (after the applying one rolled back). */
async function reject(ctx: Ctx, job: Job, requestId: string, message: string): Promise<void> {
  await withTransaction(ctx, async (tctx) => {
    const row = await lockRequest(tctx, requestId);
    if (row?.state === 'PENDING') await settleRequest(tctx, row, 'REJECTED', message);
    await completeJob(tctx.tx, job.id);
  });
}

export const applyRequestHandler: JobHandler = {
  kind: APPLY_REQUEST_JOB,
  async run(ctx, job) {
    const { requestId } = job.payload as { requestId: string };
    try {
      await withTransaction(ctx, async (tctx) => {
        const row = await lockRequest(tctx, requestId);
        if (row?.state === 'PENDING') {
          const { state, message } = await decideRequest(tctx, row, await loadOrderForChange(tctx, { id: row.order_id }));
          await settleRequest(tctx, row, state, message);
        }
        await completeJob(tctx.tx, job.id);
      });
    } catch (e) {
      if (!isDomainError(e)) throw e;
      await reject(ctx, job, requestId, rejectionMessage(e));
    }
  },
  runBatch: applyRequestBatch,
  retryDelayMs: (attempt) => (attempt >= MAX_ATTEMPTS ? undefined : Math.min(60_000, 500 * 2 ** attempt)),
  async giveUp(ctx, job) {
    const { requestId } = job.payload as { requestId: string };
    await reject(ctx, job, requestId, `the change could not be applied after ${MAX_ATTEMPTS} attempts; quote request ${requestId} when reporting it`);
  },
};
