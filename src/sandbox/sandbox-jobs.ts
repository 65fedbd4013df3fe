/**
 * Where the rest of the domain meets the sandbox: a delivery order routed to a simulated supplier gets its walk
 * planned and its first step queued, and a merchant's cancellation of an order with such a delivery order may be
 * refused (the `refuse-cancel` fault). Both queue `sandbox.step` jobs in the caller's transaction, so nothing is
 * queued for a change that rolls back, and both cost one indexed read when no supplier is simulated.
 */
import type { TxCtx } from '../context.ts';
import { enqueueJobs, type NewJob } from '../jobs/job-queue.ts';
import type { DeliveryOrderRow } from '../fulfilment/delivery-order-store.ts';
import { happens, sandboxPlan, type PlannedStep } from './sandbox-plan.ts';
import { sandboxesOf, type Sandbox } from './sandbox-suppliers.ts';

export const SANDBOX_STEP_JOB = 'sandbox.step';

/** The walk of one delivery order: its plan, the next step, and what earlier steps left for later ones. */
export interface WalkPayload {
  deliveryOrderId: string;
  plan: PlannedStep[];
  index: number;
  /** The shipments created so far, by parcel. */
  parcels: string[];
  /** The status a pause (On Hold, QC Query) interrupted, to return to. */
  resumeTo?: number;
}

/** A merchant's cancellation the sandbox refuses (sandbox-steps.ts). */
export interface RefusePayload {
  deliveryOrderId: string;
  refuseCancel: true;
}

export type SandboxPayload = WalkPayload | RefusePayload;

/** The job of step `index` of a walk, due `afterMs` (divided by the sandbox's speed) from now. */
export function walkJob(sandbox: Sandbox, payload: WalkPayload): NewJob {
  const after = payload.plan[payload.index].afterMs / sandbox.speed;
  return { kind: SANDBOX_STEP_JOB, queueKey: `sandbox:${payload.deliveryOrderId}`, payload, runAt: new Date(Date.now() + after) };
}

/** Called where delivery orders are created (opening, rerouting): simulated suppliers start working theirs. */
export async function routeToSandbox(tctx: TxCtx, rows: readonly Pick<DeliveryOrderRow, 'id' | 'number' | 'supplier_id'>[]): Promise<void> {
  const sandboxes = await sandboxesOf(tctx.tx, [...new Set(rows.map((r) => r.supplier_id))]);
  if (sandboxes.size === 0) return;
  const jobs: NewJob[] = [];
  for (const r of rows) {
    const s = sandboxes.get(r.supplier_id);
    if (s) jobs.push(walkJob(s, { deliveryOrderId: r.id, plan: sandboxPlan(s.seed, r.number, s.faults), index: 0, parcels: [] }));
  }
  await enqueueJobs(tctx, jobs);
}

/**
 * Called when a merchant asks to cancel an OPENED order, before the request's own job is queued: a simulated
 * supplier that refuses gets its job first in the order's queue (`order:<id>`), moves its delivery order into
 * production with its reason, and the request is then refused as any cancellation after production started.
 */
export async function cancellationRequested(tctx: TxCtx, orderId: string): Promise<void> {
  const rows = await tctx.tx.selectFrom('delivery_orders').select(['id', 'number', 'supplier_id']).where('order_id', '=', orderId).execute();
  const sandboxes = await sandboxesOf(tctx.tx, [...new Set(rows.map((r) => r.supplier_id))]);
  if (sandboxes.size === 0) return;
  const jobs: NewJob[] = [];
  for (const r of rows) {
    const s = sandboxes.get(r.supplier_id);
    const payload: RefusePayload = { deliveryOrderId: r.id, refuseCancel: true };
    if (s && happens(s.seed, r.number, s.faults, 'refuse-cancel')) jobs.push({ kind: SANDBOX_STEP_JOB, queueKey: `order:${orderId}`, payload });
  }
  await enqueueJobs(tctx, jobs);
}
