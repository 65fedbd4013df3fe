/**
 * The transactional outbox: an event is written in the same transaction as the change that caused it, together
 * with one delivery job per subscribed webhook. Jobs of one (webhook, order) share a queue key, so an endpoint
 * receives one order's events in the order they happened.
 */
import type { TxCtx } from '../context.ts';
import { enqueueJobs, type NewJob } from '../jobs/job-queue.ts';

export const EVENT_TYPES = [
  'order/created',
  'order/updated',
  'order/opened',
  'order/status-changed',
  'order/completed',
  'request/accepted',
  'request/rejected',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const DELIVER_JOB = 'webhook.deliver';

export interface OutboxEvent {
  type: EventType;
  organizationId: string;
  orderId: string | null;
  /** The body as it is at the time of the event (an Order or a DispatchableRequest). */
  body: unknown;
}

export interface DeliverPayload {
  webhookId: string;
  eventId: number;
}

const pending = new WeakMap<TxCtx, OutboxEvent[]>();

/**
 * Adds events to the transaction's outbox. They are written together just before COMMIT: one insert and one
 * webhook lookup per transaction, however many events its change produced, in the order they were emitted.
 */
export async function emitEvents(tctx: TxCtx, events: OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  let buffer = pending.get(tctx);
  if (!buffer) {
    const created: OutboxEvent[] = [];
    pending.set(tctx, created);
    tctx.beforeCommit.push(() => writeEvents(tctx, created));
    buffer = created;
  }
  buffer.push(...events);
}

async function writeEvents(tctx: TxCtx, events: OutboxEvent[]): Promise<void> {
  const now = new Date().toISOString();
  const ids = await tctx.tx
    .insertInto('outbox_events')
    .values(
      events.map((e) => ({
        organization_id: e.organizationId,
        order_id: e.orderId,
        type: e.type,
        payload: JSON.stringify(e.body),
        created_at: now,
      })),
    )
    .returning('id')
    .execute();

  const orgs = [...new Set(events.map((e) => e.organizationId))];
  const webhooks = await tctx.tx
    .selectFrom('webhooks')
    .select(['id', 'organization_id', 'events'])
    .where('organization_id', 'in', orgs)
    .where('enabled', '=', 1)
    .execute();
  if (webhooks.length === 0) return;
  const jobs: NewJob[] = [];
  events.forEach((e, i) => {
    for (const w of webhooks) {
      if (w.organization_id !== e.organizationId) continue;
      const types = JSON.parse(w.events) as string[];
      if (types.length > 0 && !types.includes(e.type)) continue;
      const payload: DeliverPayload = { webhookId: w.id, eventId: ids[i].id };
      jobs.push({ kind: DELIVER_JOB, queueKey: `wh:${w.id}:${e.orderId ?? 'none'}`, payload });
    }
  });
  await enqueueJobs(tctx, jobs);
}
