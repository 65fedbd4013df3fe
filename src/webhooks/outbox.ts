/**
 * The transactional outbox: an event is written in the same transaction as the change that caused it, together
 * with one delivery job per subscribed webhook. Jobs of one (webhook, order) share a queue key, so an endpoint
 * receives one order's events in the order they happened. Every event is stored, subscribed or not: the event
 * feed (`event-feed.ts`) serves them to pollers without a webhook.
 */
import type { TxCtx } from '../context.ts';
import { enqueueJobs, type NewJob } from '../jobs/job-queue.ts';
import { BULK_ROWS } from '../db/prebuilt-statements.ts';
import { insertOutboxEvents, sendOutboxEvents } from '../db/sql/insert-outbox-events.ts';
import { compiledQuery, type Params } from '../db/compiled-query.ts';
import { isoNow } from '../clock.ts';

export const EVENT_TYPES = [
  'order/created',
  'order/updated',
  'order/opened',
  'order/status-changed',
  'order/completed',
  'request/accepted',
  'request/rejected',
  'delivery-order/created',
  'delivery-order/accepted',
  'delivery-order/rejected',
  'delivery-order/updated',
  'delivery-order/completed',
  'shipment/created',
  'shipment/shipping_event',
  'shipment/delivered',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const DELIVER_JOB = 'webhook.deliver';

export interface OutboxEvent {
  type: EventType;
  organizationId: string;
  orderId: string | null;
  /** The id of the body's entity when it is not the order (a request's id for `request/*`, …). */
  subjectId?: string;
  /**
   * Builds the body as it is at the time of the event (an Order, a DeliveryOrder or a DispatchableRequest). Called before COMMIT;
   * events of one change share one function, so the body is built once. It may read (an order's lines, when the
   * change did not load them).
   */
  body: () => unknown;
}

declare module '../context.ts' {
  interface TxCtx {
    /** The events emitted so far, written just before COMMIT. Declared here so that context.ts needs no outbox. */
    outbox?: OutboxEvent[];
    /** The webhooks of an order's organization, asked for with the order's lock (`lookUpWebhooksEarly`). */
    webhooksOfOrder?: { orderId: string; webhooks: Promise<EnabledWebhook[]> };
  }
}

export interface DeliverPayload {
  webhookId: string;
  eventId: number;
}

/** The job group of a webhook's deliveries: capped together in the workers, cancelled together on delete. */
export function deliveryGroup(webhookId: string): string {
  return `wh:${webhookId}`;
}

/**
 * The job that delivers event `eventId` (of order `orderId`) to a webhook. Its queue key is the (webhook, order)
 * pair, so an endpoint receives one order's events in the order they happened.
 */
export function deliveryJob(webhook: { id: string; organizationId: string }, eventId: number, orderId: string | null): NewJob {
  const group = deliveryGroup(webhook.id);
  const payload: DeliverPayload = { webhookId: webhook.id, eventId };
  return { kind: DELIVER_JOB, queueKey: `${group}:${orderId ?? 'none'}`, group, organizationId: webhook.organizationId, payload };
}

/**
 * Adds events to the transaction's outbox. They are written together just before COMMIT: one insert and one
 * webhook lookup per transaction, however many events its change produced, in the order they were emitted.
 */
export async function emitEvents(tctx: TxCtx, events: OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (!tctx.outbox) {
    const created: OutboxEvent[] = [];
    tctx.outbox = created;
    // Who is subscribed is looked up now rather than at COMMIT: on PostgreSQL the lookup then travels with the
    // change's next statements instead of taking a round trip of its own.
    const organizationId = events[0].organizationId;
    const asked = tctx.webhooksOfOrder;
    const early = asked && asked.orderId === events[0].orderId ? asked.webhooks : enabledWebhooks(tctx, [organizationId]);
    early.catch(() => {}); // awaited in writeEvents; a failure there fails the transaction
    tctx.beforeCommit.push(() => writeEvents(tctx, created, organizationId, early));
  }
  tctx.outbox.push(...events);
}

/** Every change looks its organization's webhooks up (one organization in all but bulk changes). */
const enabledWebhooksOf = compiledQuery((db, p: Params<{ organizationId: string }>) =>
  db.selectFrom('webhooks').select(['id', 'organization_id', 'events']).where('organization_id', '=', p.organizationId).where('enabled', '=', 1),
);

const enabledWebhooksOfOrder = compiledQuery((db, p: Params<{ orderId: string }>) =>
  db
    .selectFrom('webhooks')
    .select(['id', 'organization_id', 'events'])
    .where('organization_id', '=', (eb) => eb.selectFrom('orders').select('organization_id').where('id', '=', p.orderId))
    .where('enabled', '=', 1),
);

/**
 * Where statements sent together travel together (PostgreSQL), asks for the webhooks of an order's organization
 * now, with the statement that locks the order, rather than with its first event: a change that emits events then
 * needs no round trip of its own to find who receives them (the organization of an order never changes).
 */
export function lookUpWebhooksEarly(tctx: TxCtx, orderId: string): void {
  if (!tctx.services.db.pipelined) return;
  const webhooks = enabledWebhooksOfOrder.execute(tctx.tx, { orderId }).then((r) => r.rows.map(toEnabledWebhook));
  webhooks.catch(() => {}); // read by emitEvents, if the change emits; a failure fails the transaction anyway
  tctx.webhooksOfOrder = { orderId, webhooks };
}

export interface EnabledWebhook {
  id: string;
  organizationId: string;
  /** The event types it subscribes to; empty: all of them. */
  types: string[];
}

/** The enabled webhooks of these organizations: who receives an event written now. */
export async function enabledWebhooks(tctx: TxCtx, organizationIds: readonly string[]): Promise<EnabledWebhook[]> {
  if (organizationIds.length === 0) return [];
  const rows =
    organizationIds.length === 1
      ? (await enabledWebhooksOf.execute(tctx.tx, { organizationId: organizationIds[0] })).rows
      : await tctx.tx
          .selectFrom('webhooks')
          .select(['id', 'organization_id', 'events'])
          .where('organization_id', 'in', organizationIds)
          .where('enabled', '=', 1)
          .execute();
  return rows.map(toEnabledWebhook);
}

function toEnabledWebhook(w: { id: string; organization_id: string; events: string }): EnabledWebhook {
  return { id: w.id, organizationId: w.organization_id, types: JSON.parse(w.events) as string[] };
}

async function writeEvents(tctx: TxCtx, events: OutboxEvent[], firstOrganization: string, early: Promise<EnabledWebhook[]>): Promise<void> {
  const webhooks = events.every((e) => e.organizationId === firstOrganization)
    ? await early
    : await enabledWebhooks(tctx, [...new Set(events.map((e) => e.organizationId))]);
  const subscribed = events.map((e) =>
    webhooks.length === 0
      ? NOBODY
      : webhooks.filter((w) => w.organizationId === e.organizationId && (w.types.length === 0 || w.types.includes(e.type))),
  );
  const ids = await insertEvents(tctx, events, subscribed, webhooks.length > 0);
  const jobs: NewJob[] = [];
  events.forEach((e, i) => {
    for (const w of subscribed[i]) jobs.push(deliveryJob(w, ids[i], e.orderId));
  });
  if (jobs.length > 0) await enqueueJobs(tctx, jobs);
}

const NOBODY: EnabledWebhook[] = [];

/**
 * Inserts the events in emission order, in prebuilt chunks; returns their ids in the same order. Only an event
 * some webhook subscribes to gets its body built and stored (the snapshot a delivery sends); the others store
 * the JSON `null`, and the feed reads their body when it is polled.
 */
async function insertEvents(tctx: TxCtx, events: OutboxEvent[], subscribed: EnabledWebhook[][], needIds: boolean): Promise<number[]> {
  const now = isoNow();
  const kind = tctx.services.db.kind;
  const ids: number[] = [];
  // Events of one change share their body function: build and serialize the body once.
  let lastBody: (() => unknown) | undefined;
  let lastPayload: string | undefined;
  for (let from = 0; from < events.length; from += BULK_ROWS) {
    const chunk = events.slice(from, from + BULK_ROWS);
    const params: unknown[] = [];
    for (let j = 0; j < chunk.length; j++) {
      const e = chunk[j];
      let payload = 'null';
      if (subscribed[from + j].length > 0) {
        if (lastPayload === undefined || e.body !== lastBody) {
          lastBody = e.body;
          lastPayload = JSON.stringify(await e.body());
        }
        payload = lastPayload;
      }
      params.push(e.organizationId, e.orderId, e.subjectId ?? e.orderId, e.type, payload, now);
    }
    // Without a webhook no job refers to the ids: the insert need not be waited for (db/run-sql.ts sendSql).
    if (needIds) ids.push(...(await insertOutboxEvents(tctx.tx, kind, chunk.length, params)));
    else await sendOutboxEvents(tctx.tx, kind, chunk.length, params);
  }
  return ids;
}
