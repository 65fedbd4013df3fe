/**
 * The transactional outbox: an event is written in the same transaction as the change that caused it, together
 * with one delivery job per subscribed webhook. Jobs of one (webhook, order) share a queue key, so an endpoint
 * receives one order's events in the order they happened.
 */
import type { TxCtx } from '../context.ts';
import { enqueueJobs, type NewJob } from '../jobs/job-queue.ts';
import { BULK_ROWS, prebuilt, runPrebuilt, valuesRows } from '../db/prebuilt-statements.ts';

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
  // Webhooks first: without a subscriber the insert needs no RETURNING, which costs SQLite a result row per event.
  const orgs = [...new Set(events.map((e) => e.organizationId))];
  const webhooks = await tctx.tx
    .selectFrom('webhooks')
    .select(['id', 'organization_id', 'events'])
    .where('organization_id', 'in', orgs)
    .where('enabled', '=', 1)
    .execute();
  const ids = await insertEvents(tctx, events, webhooks.length > 0);
  if (webhooks.length === 0) return;
  const jobs: NewJob[] = [];
  events.forEach((e, i) => {
    for (const w of webhooks) {
      if (w.organization_id !== e.organizationId) continue;
      const types = JSON.parse(w.events) as string[];
      if (types.length > 0 && !types.includes(e.type)) continue;
      const payload: DeliverPayload = { webhookId: w.id, eventId: ids[i] };
      jobs.push({ kind: DELIVER_JOB, queueKey: `wh:${w.id}:${e.orderId ?? 'none'}`, payload });
    }
  });
  await enqueueJobs(tctx, jobs);
}

/** Inserts the events in emission order, in prebuilt chunks; their ids (in the same order) when `returnIds`. */
async function insertEvents(tctx: TxCtx, events: OutboxEvent[], returnIds: boolean): Promise<number[]> {
  const now = new Date().toISOString();
  const kind = tctx.services.db.kind;
  const ids: number[] = [];
  // Events of one change share their body object: serialize it once.
  let lastBody: unknown;
  let lastPayload: string | undefined;
  for (let from = 0; from < events.length; from += BULK_ROWS) {
    const chunk = events.slice(from, from + BULK_ROWS);
    const text = prebuilt(kind, `outbox_events:${chunk.length}:${returnIds}`, () =>
      `INSERT INTO outbox_events (organization_id, order_id, type, payload, created_at) VALUES ${valuesRows(chunk.length, '(?, ?, ?, ?, ?)')}` +
      (returnIds ? ' RETURNING id' : ''),
    );
    const params: unknown[] = [];
    for (const e of chunk) {
      if (lastPayload === undefined || e.body !== lastBody) {
        lastBody = e.body;
        lastPayload = JSON.stringify(e.body);
      }
      params.push(e.organizationId, e.orderId, e.type, lastPayload, now);
    }
    const rows = await runPrebuilt<{ id: number }>(tctx.tx, text, params);
    // RETURNING lists a multi-row insert's rows in VALUES order on SQLite and PostgreSQL (what both executors do).
    for (const r of rows) ids.push(r.id);
  }
  return ids;
}
