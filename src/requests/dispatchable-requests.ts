/**
 * Dispatchable requests: every merchant change is recorded as one. Changes of DRAFT orders are final at once;
 * changes of OPENED orders are PENDING rows with a job that a worker runs (see apply-request.ts), and their
 * outcome is sent as `request/accepted` or `request/rejected`.
 */
import type { Selectable } from 'kysely';
import type { DispatchableRequestTable } from '../db/tables.ts';
import type { Ctx, TxCtx } from '../context.ts';
import { requireScope, canAccess } from '../auth/scopes.ts';
import { notFound } from '../errors/domain-error.ts';
import { enqueueJobs } from '../jobs/job-queue.ts';
import { emitEvents } from '../webhooks/outbox.ts';
import { newRowId } from '../db/row-ids.ts';
import { compiledQuery, type Params } from '../db/compiled-query.ts';
import { isoNow } from '../clock.ts';
import { cancellationRequested } from '../sandbox/sandbox-jobs.ts';

export type RequestType = 'ORDER_UPDATE' | 'OPEN' | 'CANCEL' | 'REQUEST_FULFILLMENT' | 'REROUTE';
export type RequestState = 'PENDING' | 'ACCEPTED' | 'REJECTED';
export const APPLY_REQUEST_JOB = 'request.apply';

export interface DispatchableRequestView {
  id: string;
  type: RequestType;
  state: RequestState;
  message: string | null;
  orderId: string;
  createdAt: string;
  completedAt: string | null;
}

export type RequestRow = Selectable<DispatchableRequestTable>;

const insertRequest = compiledQuery((db, p: Params<RequestRow>) =>
  db.insertInto('dispatchable_requests').values({
    id: p.id,
    organization_id: p.organization_id,
    order_id: p.order_id,
    type: p.type,
    state: p.state,
    message: p.message,
    payload: p.payload,
    client_id: p.client_id,
    request_id: p.request_id,
    created_at: p.created_at,
    completed_at: p.completed_at,
  }),
);

const settlePending = compiledQuery(
  (db, p: Params<{ id: string; state: 'ACCEPTED' | 'REJECTED'; message: string; completedAt: string }>) =>
    db
      .updateTable('dispatchable_requests')
      .set({ state: p.state, message: p.message, completed_at: p.completedAt })
      .where('id', '=', p.id)
      .where('state', '=', 'PENDING'),
);

export function requestView(r: RequestRow): DispatchableRequestView {
  return {
    id: r.id,
    type: r.type as RequestType,
    state: r.state,
    message: r.message,
    orderId: r.order_id,
    createdAt: r.created_at,
    completedAt: r.completed_at,
  };
}

/** The answer to an applied ORDER_UPDATE, whichever path applied it (at once, in a DRAFT batch, by the worker). */
export const ORDER_UPDATED = 'Order updated successfully';

export interface NewRequest {
  orderId: string;
  organizationId: string;
  type: RequestType;
  state: RequestState;
  message: string;
  payload?: unknown;
}

/** A new request's row, by the change's actor and HTTP request (a DRAFT batch inserts many: draft-update-batch.ts). */
export function newRequestRow(tctx: TxCtx, input: NewRequest, now: string): RequestRow {
  return {
    id: newRowId(),
    organization_id: input.organizationId,
    order_id: input.orderId,
    type: input.type,
    state: input.state,
    message: input.message,
    payload: JSON.stringify(input.payload ?? null),
    client_id: tctx.actor?.clientId ?? null,
    request_id: tctx.requestId,
    created_at: now,
    completed_at: input.state === 'PENDING' ? null : now,
  };
}

/** Records a request; a PENDING one gets its job, queued behind earlier requests of the same order. */
export async function recordRequest(tctx: TxCtx, input: NewRequest): Promise<DispatchableRequestView> {
  const row = newRequestRow(tctx, input, isoNow());
  await insertRequest.send(tctx.tx, row); // its answer is not read: on PostgreSQL it travels with what follows
  if (input.state === 'PENDING') {
    // A simulated supplier may refuse it: its job goes first in the order's queue.
    if (input.type === 'CANCEL') await cancellationRequested(tctx, input.orderId);
    await enqueueJobs(tctx, [{ kind: APPLY_REQUEST_JOB, queueKey: `order:${input.orderId}`, payload: { requestId: row.id } }]);
  }
  return requestView(row);
}

/** A request's outcome, as a worker decided it. */
export interface Settlement {
  row: RequestRow;
  state: 'ACCEPTED' | 'REJECTED';
  message: string;
}

/** Settles a PENDING request and reports the outcome by webhook. */
export async function settleRequest(tctx: TxCtx, row: RequestRow, state: 'ACCEPTED' | 'REJECTED', message: string): Promise<void> {
  const completedAt = isoNow();
  const settled = await settlePending.execute(tctx.tx, { id: row.id, state, message, completedAt });
  if (Number(settled.numAffectedRows) === 0) return; // settled by an earlier run of the same job
  await reportSettled(tctx, [{ row, state, message }], completedAt);
}

/**
 * Marks a batch's requests settled, which the caller read PENDING under lock in this transaction: one UPDATE per
 * outcome and message (a batch of accepted updates is one). Their events are the caller's (`reportSettled`).
 */
export async function markSettled(tctx: TxCtx, settlements: Settlement[], completedAt: string): Promise<void> {
  const byOutcome = new Map<string, Settlement[]>();
  for (const s of settlements) {
    const key = `${s.state} ${s.message}`;
    const same = byOutcome.get(key) ?? [];
    byOutcome.set(key, same);
    same.push(s);
  }
  for (const [, same] of byOutcome) {
    const { state, message } = same[0];
    const result = await tctx.tx
      .updateTable('dispatchable_requests')
      .set({ state, message, completed_at: completedAt })
      .where('id', 'in', same.map((s) => s.row.id))
      .where('state', '=', 'PENDING')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== same.length) throw new Error('a request of the batch was settled under a held lock');
  }
}

/** Reports settled requests by webhook (`request/accepted`, `request/rejected`) and logs the rejected ones. */
export async function reportSettled(tctx: TxCtx, settlements: Settlement[], completedAt: string): Promise<void> {
  for (const { row, state, message } of settlements) {
    if (state !== 'REJECTED') continue;
    tctx.services.log?.warn(
      { dispatchableRequestId: row.id, type: row.type, orderId: row.order_id, clientId: row.client_id, requestId: row.request_id, reason: message },
      'request rejected',
    );
  }
  await emitEvents(
    tctx,
    settlements.map(({ row, state, message }) => {
      const view = requestView({ ...row, state, message, completed_at: completedAt });
      return {
        type: state === 'ACCEPTED' ? ('request/accepted' as const) : ('request/rejected' as const),
        organizationId: row.organization_id,
        orderId: row.order_id,
        subjectId: row.id,
        body: () => view,
      };
    }),
  );
}

export async function getDispatchableRequest(ctx: Ctx, id: string): Promise<DispatchableRequestView> {
  const actor = requireScope(ctx, 'view_orders');
  const row = await ctx.services.db.kysely.selectFrom('dispatchable_requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || !canAccess(actor, row.organization_id)) throw notFound('dispatchable request', id);
  return requestView(row);
}
