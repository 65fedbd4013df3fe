/**
 * The merchant's commands (Orders API mutations). Each runs in one transaction: a DRAFT order changes at once,
 * an OPENED one gets a PENDING dispatchable request for the worker, a COMPLETED one refuses with a reason.
 */
import { withTransaction, type Ctx, type TxCtx } from '../context.ts';
import { canAccess, requireScope } from '../auth/scopes.ts';
import { badInput, notFound } from '../errors/domain-error.ts';
import { findOrganization } from '../organizations/organizations.ts';
import { emitEvents, lookUpWebhooksEarly } from '../webhooks/outbox.ts';
import { ORDER_UPDATED, recordRequest, type DispatchableRequestView, type RequestType } from '../requests/dispatchable-requests.ts';
import { recordHistory } from './order-history.ts';
import { parseCreateInput, parseUpdateInput, type OrderPatch } from './order-input.ts';
import { readsNothingBack } from './patch-diff.ts';
import { updateDraftInBatch } from './draft-update-batch.ts';
import { fieldColumns, orderView, type OrderRecord, type OrderView } from './order-record.ts';
import { applyPatch, cancelOrder, checkPatchReferences, checkVersion, merchantChangeRefusal, openOrder, orderEvents } from './order-changes.ts';
import { insertOrder, linesOf, loadOrderForChange, loadOrderRowForChange, newOrderId, type OrderTarget } from './order-store.ts';
import { isoNow } from '../clock.ts';

export async function createOrder(ctx: Ctx, input: unknown): Promise<OrderView> {
  const actor = requireScope(ctx, 'create_orders');
  const { patch, organizationId = actor.organizationId, open } = parseCreateInput(input);
  if (!canAccess(actor, organizationId)) throw notFound('organization', organizationId);
  const org = await findOrganization(ctx.services.db.kysely, organizationId);
  if (!org) throw notFound('organization', organizationId);
  if (org.kind !== 'MERCHANT') throw badInput('organizationId', 'must be a MERCHANT organization: orders belong to merchants');

  return withTransaction(ctx, async (tctx) => {
    await checkPatchReferences(tctx, organizationId, null, patch);
    const now = isoNow();
    let record: OrderRecord = await insertOrder(
      tctx,
      {
        id: newOrderId(),
        organization_id: organizationId,
        ...fieldColumns(patch.fields),
        state: 'DRAFT',
        status: 0,
        delivery: patch.delivery ? JSON.stringify(patch.delivery) : null,
        shipping_carrier: null,
        shipping_method: null,
        shipping_tracking: null,
        locked: 0,
        version: 1,
        created_at: now,
        updated_at: now,
      },
      patch.lines ?? [],
      'PENDING',
    );
    await recordHistory(tctx, [
      { orderId: record.row.id, organizationId, action: 'created', changes: { state: { from: null, to: 'DRAFT' } } },
    ]);
    await emitEvents(tctx, orderEvents(tctx, record, 'order/created'));
    if (open) record = await openOrder(tctx, record);
    return orderView(record);
  });
}

/** A COMPLETED order refuses every change: the request is recorded REJECTED with the reason. */
export async function refuseIfCompleted(tctx: TxCtx, record: OrderRecord, type: RequestType): Promise<DispatchableRequestView | undefined> {
  if (record.row.state !== 'COMPLETED') return undefined;
  return recordRequest(tctx, {
    orderId: record.row.id,
    organizationId: record.row.organization_id,
    type,
    state: 'REJECTED',
    message: merchantChangeRefusal(record)!,
  });
}

/** Queues a change of an OPENED order for the worker (requests/apply-request.ts). */
export function pending(tctx: TxCtx, record: OrderRecord, type: RequestType, payload?: unknown): Promise<DispatchableRequestView> {
  return recordRequest(tctx, {
    orderId: record.row.id,
    organizationId: record.row.organization_id,
    type,
    state: 'PENDING',
    message: 'The request will be processed shortly; its outcome is sent by webhook',
    payload,
  });
}

function accepted(tctx: TxCtx, record: Pick<OrderRecord, 'row'>, type: RequestType, message: string): Promise<DispatchableRequestView> {
  return recordRequest(tctx, { orderId: record.row.id, organizationId: record.row.organization_id, type, state: 'ACCEPTED', message });
}

export async function updateOrder(ctx: Ctx, input: unknown): Promise<DispatchableRequestView> {
  const actor = requireScope(ctx, 'edit_orders');
  const { target, organizationId, patch } = parseUpdateInput(input);
  const resolved: OrderTarget = 'id' in target ? target : { ...target, organizationId: organizationId ?? actor.organizationId };
  const alone = () => updateOrderAlone(ctx, resolved, organizationId, patch);
  // A patch of fields of an order named by id may share a transaction with the changes arriving with it.
  if ('id' in target && ctx.services.db.batchesDraftChanges && readsNothingBack(patch)) return updateDraftInBatch({ ctx, orderId: target.id, organizationId, patch, alone });
  return alone();
}

/** One change in its own transaction: every change a DRAFT batch (draft-update-batch.ts) does not take. */
function updateOrderAlone(ctx: Ctx, resolved: OrderTarget, organizationId: string | undefined, patch: OrderPatch): Promise<DispatchableRequestView> {
  return withTransaction(ctx, async (tctx) => {
    if ('id' in resolved) lookUpWebhooksEarly(tctx, resolved.id); // PostgreSQL: sent with the lock
    const row = await loadOrderRowForChange(tctx, resolved);
    if (organizationId && organizationId !== row.organization_id) {
      throw badInput('organizationId', 'cannot be changed: an order stays with its organization');
    }
    if (row.state === 'DRAFT') {
      // The hot path: lines are read only if the patch or a webhook's event body needs them.
      await applyPatch(tctx, { row }, patch);
      return accepted(tctx, { row }, 'ORDER_UPDATE', ORDER_UPDATED);
    }
    const record: OrderRecord = { row, lines: await linesOf(tctx, row.id) };
    const refused = await refuseIfCompleted(tctx, record, 'ORDER_UPDATE');
    if (refused) return refused;
    // OPENED: check what can be checked now, so a bad change fails here rather than later by webhook.
    checkVersion(record, patch.expectedVersion);
    await checkPatchReferences(tctx, record.row.organization_id, record.row.id, patch);
    return pending(tctx, record, 'ORDER_UPDATE', patch);
  });
}

export async function openOrderCommand(ctx: Ctx, id: string): Promise<DispatchableRequestView> {
  requireScope(ctx, 'edit_orders');
  return withTransaction(ctx, async (tctx) => {
    const record = await loadOrderForChange(tctx, { id });
    const refused = await refuseIfCompleted(tctx, record, 'OPEN');
    if (refused) return refused;
    if (record.row.state === 'OPENED') return accepted(tctx, record, 'OPEN', 'Order is already opened');
    return pending(tctx, record, 'OPEN');
  });
}

export async function cancelOrderCommand(ctx: Ctx, id: string): Promise<DispatchableRequestView> {
  requireScope(ctx, 'edit_orders');
  return withTransaction(ctx, async (tctx) => {
    const record = await loadOrderForChange(tctx, { id });
    const refused = await refuseIfCompleted(tctx, record, 'CANCEL');
    if (refused) return refused;
    if (record.row.state === 'DRAFT') {
      await cancelOrder(tctx, record);
      return accepted(tctx, record, 'CANCEL', 'Order cancelled');
    }
    return pending(tctx, record, 'CANCEL');
  });
}

export async function requestFulfillmentCommand(ctx: Ctx, id: string): Promise<DispatchableRequestView> {
  requireScope(ctx, 'edit_orders');
  return withTransaction(ctx, async (tctx) => {
    const record = await loadOrderForChange(tctx, { id });
    const refused = await refuseIfCompleted(tctx, record, 'REQUEST_FULFILLMENT');
    if (refused) return refused;
    return pending(tctx, record, 'REQUEST_FULFILLMENT');
  });
}
