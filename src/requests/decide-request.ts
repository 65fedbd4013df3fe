/**
 * What a worker does with one PENDING dispatchable request, once it holds the request and its order: apply it
 * (ACCEPTED, with the change's history and events) or refuse it (REJECTED). Shared by the one-by-one path
 * (apply-request.ts) and batches (apply-request-batch.ts); the caller settles the request.
 */
import type { TxCtx } from '../context.ts';
import type { DomainError } from '../errors/domain-error.ts';
import type { OrderPatch } from '../orders/order-input.ts';
import type { OrderRecord } from '../orders/order-record.ts';
import { applyPatch, cancelOrder, merchantChangeRefusal, moveStatus, openOrder } from '../orders/order-changes.ts';
import { STATUS, statusName } from '../orders/status-transitions.ts';
import { deliveryOrderRecords } from '../fulfilment/delivery-order-store.ts';
import { rerouteDeliveryOrder, type ReroutePayload } from '../fulfilment/reroute-delivery-order.ts';
import { ORDER_UPDATED, type RequestRow, type RequestType, type Settlement } from './dispatchable-requests.ts';

/** Applies one request to its locked order; returns the acceptance message or throws a DomainError. */
async function apply(tctx: TxCtx, type: RequestType, record: OrderRecord, payload: unknown): Promise<string> {
  switch (type) {
    case 'ORDER_UPDATE':
      await applyPatch(tctx, record, payload as OrderPatch);
      return ORDER_UPDATED;
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

/** Decides a locked PENDING request on its locked order; history rows of the change name the request's client. */
export async function decideRequest(tctx: TxCtx, row: RequestRow, record: OrderRecord): Promise<Omit<Settlement, 'row'>> {
  tctx.author = { clientId: row.client_id, requestId: row.request_id };
  const type = row.type as RequestType;
  const refused = await refusal(tctx, type, record);
  if (refused) return { state: 'REJECTED', message: refused };
  return { state: 'ACCEPTED', message: await apply(tctx, type, record, JSON.parse(row.payload)) };
}


/** The message of a request refused by a DomainError its change threw. */
export function rejectionMessage(e: DomainError): string {
  return e.code === 'BAD_USER_INPUT' || e.code === 'NOT_FOUND' ? e.message : `${e.code}: ${e.message}`;
}
