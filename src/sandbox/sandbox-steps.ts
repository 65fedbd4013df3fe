/**
 * The job that works a simulated supplier's delivery orders (`sandbox.step`): one planned step per job
 * (sandbox-plan.ts), through the fulfiller dialect's commands, as the sandbox's client, in one transaction with
 * the next step's job and this job's completion, so a step re-run after a crash finds its job done. A step the
 * commands refuse (the merchant cancelled, someone moved the order by hand, the sandbox was turned off) ends the
 * walk: the sandbox, like a real print shop, does not fight the order's state.
 */
import { withTransaction, type Ctx, type TxCtx } from '../context.ts';
import { isDomainError, type DomainError } from '../errors/domain-error.ts';
import { completeJob, enqueueJobs, type Job } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/run-job.ts';
import { updateFulfillerOrders } from '../orders/fulfiller-updates.ts';
import { rejectDeliveryOrders } from '../fulfilment/reject-delivery-orders.ts';
import { createShipments } from '../shipments/create-shipments.ts';
import { addShippingEvent } from '../shipments/add-shipping-event.ts';
import { FULFILLER_SHIPMENTS } from '../api/fulfiller/shipment-resolvers.ts';
import { isoNow } from '../clock.ts';
import { STATUS } from '../orders/status-transitions.ts';
import { sandboxActor, sandboxesOf, type Sandbox } from './sandbox-suppliers.ts';
import { SANDBOX_STEP_JOB, walkJob, type SandboxPayload, type WalkPayload } from './sandbox-jobs.ts';
import { alreadyPast, isPause, type Step } from './sandbox-plan.ts';
import { CANCEL_REFUSALS } from './sandbox-faults.ts';
import { pick } from './sandbox-random.ts';

export interface DeliveryOrderState {
  id: string;
  number: number;
  order_id: string;
  organization_id: string;
  supplier_id: string;
  status: number;
  state: string;
}

/** Throws the first refusal of a batch command's results, so the step's transaction rolls back. */
function firstOk<T>(results: (T | DomainError)[]): T {
  const r = results[0];
  if (isDomainError(r)) throw r;
  return r;
}

/** What is left to ship of the delivery order's lines, in line order. */
async function unitsLeft(tctx: TxCtx, d: DeliveryOrderState): Promise<{ id: number; quantity: number }[]> {
  const lines = await tctx.tx
    .selectFrom('order_lines')
    .select(['id', 'quantity', 'fulfilled_quantity'])
    .where('delivery_order_id', '=', d.id)
    .orderBy('id')
    .execute();
  return lines.map((l) => ({ id: l.id, quantity: l.quantity - l.fulfilled_quantity })).filter((l) => l.quantity > 0);
}

/** The first parcel of a partial shipment: half the lines, or half the units of a single line; one unit goes whole. */
function firstHalf(left: { id: number; quantity: number }[]) {
  if (left.length > 1) return left.slice(0, Math.ceil(left.length / 2));
  if (left.length === 1 && left[0].quantity > 1) return [{ id: left[0].id, quantity: Math.floor(left[0].quantity / 2) }];
  return undefined;
}

/** Runs one step; returns the walk's payload for the next step, or undefined when the walk is over. */
async function runStep(tctx: TxCtx, d: DeliveryOrderState, walk: WalkPayload, step: Step): Promise<WalkPayload | undefined> {
  const next = { ...walk, index: walk.index + 1 };
  switch (step.kind) {
    case 'reject':
      firstOk(await rejectDeliveryOrders(tctx, [{ id: d.number, reason: step.reason, reasonCode: step.reasonCode }]));
      return undefined;
    case 'status': {
      const write = async (status: number) => firstOk(await updateFulfillerOrders(tctx, [{ id: d.number, status, note: step.note ?? null }], 'status'));
      if (isPause(step.status)) {
        await write(step.status);
        return { ...next, resumeTo: d.status };
      }
      // The end of a pause returns to where the pause found the order, unless someone already moved it on; a
      // forward step the order is already past is skipped (a refused cancellation moved it into production early).
      if (step.resume ? !isPause(d.status) : alreadyPast(d.status, step.status)) return { ...next, resumeTo: undefined };
      await write(step.resume ? (walk.resumeTo ?? step.status) : step.status);
      return { ...next, resumeTo: undefined };
    }
    case 'ship': {
      const left = await unitsLeft(tctx, d);
      // A single unit went whole in the first parcel: there is no second one.
      if (left.length === 0 && walk.parcels.length > 0) return next;
      const items = step.half ? firstHalf(left) : undefined;
      const p = step.with;
      const [created] = await createShipments(
        tctx,
        [{ target: { number: d.number }, items, carrier: p.carrier, method: p.method, trackingNumber: p.trackingNumber, trackingUrl: p.trackingUrl }],
        FULFILLER_SHIPMENTS,
      );
      if (isDomainError(created)) throw created;
      return { ...next, parcels: [...walk.parcels, created.shipment.row.id] };
    }
    case 'track': {
      const shipmentId = walk.parcels[step.parcel];
      if (!shipmentId) return next; // the second parcel that was not needed
      await addShippingEvent(tctx, shipmentId, { event: step.event, date: isoNow(), message: step.message, city: step.city, country: step.country });
      return next;
    }
  }
}

/**
 * The `refuse-cancel` fault: a delivery order not yet in production moves into it with the shop's reason, one in
 * production gets the reason as a note; the merchant's cancellation, applied next, is then refused as any
 * cancellation after production started. A final or rejected delivery order has nothing to refuse.
 */
async function refuseCancellation(tctx: TxCtx, d: DeliveryOrderState, sandbox: Sandbox): Promise<void> {
  if (d.state === 'REJECTED' || d.state === 'COMPLETED') return;
  const note = pick(sandbox.seed, d.number, 'refuse-cancel:note', CANCEL_REFUSALS);
  const status = isPause(d.status) || alreadyPast(STATUS.IN_PRODUCTION, d.status) ? STATUS.IN_PRODUCTION : null;
  firstOk(await updateFulfillerOrders(tctx, [{ id: d.number, status, note }], 'status'));
}

async function deliveryOrderState(ctx: Ctx, id: string): Promise<DeliveryOrderState | undefined> {
  return ctx.services.db.kysely
    .selectFrom('delivery_orders')
    .select(['id', 'number', 'order_id', 'organization_id', 'supplier_id', 'status', 'state'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export const sandboxStepHandler: JobHandler = {
  kind: SANDBOX_STEP_JOB,
  async run(ctx, job: Job) {
    const payload = job.payload as SandboxPayload;
    const d = await deliveryOrderState(ctx, payload.deliveryOrderId);
    const sandbox = d && (await sandboxesOf(ctx.services.db.kysely, [d.supplier_id])).get(d.supplier_id);
    if (!d || !sandbox) return void (await completeJob(ctx.services.db.kysely, job.id));
    const acting: Ctx = { actor: sandboxActor(sandbox, d.organization_id), requestId: `sandbox:${job.id}`, services: ctx.services };
    try {
      await withTransaction(acting, async (tctx) => {
        if ('refuseCancel' in payload) {
          await refuseCancellation(tctx, d, sandbox);
        } else {
          const next = await runStep(tctx, d, payload, payload.plan[payload.index].step);
          if (next && next.index < next.plan.length) await enqueueJobs(tctx, [walkJob(sandbox, next)]);
        }
        await completeJob(tctx.tx, job.id);
      });
    } catch (e) {
      if (!isDomainError(e)) throw e;
      ctx.services.log?.info({ deliveryOrder: d.number, supplierId: d.supplier_id, reason: e.message }, 'sandbox stopped working a delivery order');
      await completeJob(ctx.services.db.kysely, job.id);
    }
  },
  retryDelayMs: (attempt) => (attempt >= 10 ? undefined : Math.min(60_000, 500 * 2 ** attempt)),
};
