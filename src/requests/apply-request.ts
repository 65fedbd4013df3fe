/**
 * The worker side of dispatchable requests: applies or rejects one PENDING request in one transaction that also
 * finishes its job, so a request re-run after a crash finds itself settled and does nothing.
 */
import { withTransaction, type Ctx, type TxCtx } from '../context.ts';
import { isDomainError } from '../errors/domain-error.ts';
import { completeJob, type Job } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/run-job.ts';
import type { OrderPatch } from '../orders/order-input.ts';
import type { OrderRecord } from '../orders/order-record.ts';
import { applyPatch, cancelOrder, merchantChangeRefusal, moveStatus, openOrder } from '../orders/order-changes.ts';
import { loadOrderForChange } from '../orders/order-store.ts';
import { STATUS, statusName } from '../orders/status-transitions.ts';
import { lockRequest as lockRequestRow } from '../db/sql/lock-request.ts';
import { deliveryOrderRecords } from '../fulfilment/delivery-order-store.ts';
import { rerouteDeliveryOrder, type ReroutePayload } from '../fulfilment/reroute-delivery-order.ts';
import { APPLY_REQUEST_JOB, settleRequest, type RequestRow, type RequestType } from './dispatchable-requests.ts';

const MAX_ATTEMPTS = 10;

/** Applies one request to its locked order; returns the acceptance message or throws a DomainError. */
async function apply(tctx: TxCtx, type: RequestType, record: OrderRecord, payload: unknown): Promise<string> {
  switch (type) {
    case 'ORDER_UPDATE':
      await applyPatch(tctx, record, payload as OrderPatch);
      return 'Order updated successfully';
    case 'OPEN':
      await openOrder(tctx, record);
      return 'Order opened and sent to its supplier';
    case 'CANCEL':
      await cancelOrder(tctx, record);
      return 'Order cancelled';
    case 'REQUEST_FULFILLMENT': {
      const opened = await openOrder(tctx, record);
      // Only a Received order waits for this; from 512 on, or on hold, the supplier has it and it must not move.
      if (opened.row.status !== STATUS.RECEIVED) {
        return `Fulfillment already requested (status ${opened.row.status} ${statusName(opened.row.status)})`;
      }
      await moveStatus(tctx, opened, STATUS.SENT_TO_SUPPLIER, 'fulfillment-requested');
      return 'Fulfillment requested (status 512 Sent to Supplier)';
    }
    case 'REROUTE':
      return rerouteDeliveryOrder(tctx, record, payload as ReroutePayload);
  }
}

/**
 * Merchant edits stop once production starts; opening, fulfilment requests and reroutes (whose lines never
 * started) only need a live order.
 */
async function refusal(tctx: TxCtx, type: RequestType, record: OrderRecord): Promise<string | undefined> {
  if (type === 'ORDER_UPDATE' || type === 'CANCEL' || record.row.state === 'COMPLETED') {
    const numbers = new Map<string, number>();
    if (record.row.locked === 1) for (const d of await deliveryOrderRecords(tctx.tx, record)) numbers.set(d.row.id, d.row.number);
    return merchantChangeRefusal(record, numbers);
  }
  return undefined;
}

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
          tctx.author = { clientId: row.client_id, requestId: row.request_id };
          const record = await loadOrderForChange(tctx, { id: row.order_id });
          const type = row.type as RequestType;
          const refused = await refusal(tctx, type, record);
          if (refused) await settleRequest(tctx, row, 'REJECTED', refused);
          else await settleRequest(tctx, row, 'ACCEPTED', await apply(tctx, type, record, JSON.parse(row.payload)));
        }
        await completeJob(tctx.tx, job.id);
      });
    } catch (e) {
      if (!isDomainError(e)) throw e;
      await reject(ctx, job, requestId, e.code === 'BAD_USER_INPUT' || e.code === 'NOT_FOUND' ? e.message : `${e.code}: ${e.message}`);
    }
  },
  retryDelayMs: (attempt) => (attempt >= MAX_ATTEMPTS ? undefined : Math.min(60_000, 500 * 2 ** attempt)),
  async giveUp(ctx, job) {
    const { requestId } = job.payload as { requestId: string };
    await reject(ctx, job, requestId, `the change could not be applied after ${MAX_ATTEMPTS} attempts; quote request ${requestId} when reporting it`);
  },
};
