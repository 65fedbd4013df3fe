/**
 * The deliveries log: one row per attempt (time, status code, duration, error, the start of the response),
 * readable newest first, and `webhookDeliveryRetry`, which queues the attempt's event for its webhook again.
 */
import type { Selectable } from 'kysely';
import { withTransaction, type Ctx } from '../context.ts';
import { canAccess, requireScope } from '../auth/scopes.ts';
import type { Executor } from '../db/database.ts';
import type { WebhookDeliveryTable } from '../db/tables.ts';
import { badInput, notFound } from '../errors/domain-error.ts';
import { enqueueJobs } from '../jobs/job-queue.ts';
import { decodeCursor, pageSize, toConnection, type Connection } from '../paging.ts';
import { deliveryJob } from './outbox.ts';
import { loadWebhook } from './webhook-subscriptions.ts';
import { newRowId } from '../db/row-ids.ts';
import { isoNow } from '../clock.ts';
import { cappedCount } from '../db/capped-count.ts';

export interface WebhookDeliveryView {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string | null;
  attempt: number;
  success: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseBody: string | null;
  createdAt: string;
}

type DeliveryRow = Selectable<WebhookDeliveryTable>;

function deliveryView(row: DeliveryRow & { event_type: string | null }): WebhookDeliveryView {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: String(row.event_id),
    eventType: row.event_type,
    attempt: row.attempt,
    success: row.success === 1,
    statusCode: row.status_code,
    durationMs: row.duration_ms,
    error: row.error,
    responseBody: row.response_body,
    createdAt: row.created_at,
  };
}

export interface AttemptRecord {
  webhookId: string;
  organizationId: string;
  eventId: number;
  jobId: number;
  attempt: number;
  success: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** The start of the receiver's answer, when it sent one. */
  responseBody?: string | null;
}

/** Writes one attempt to the log (in the caller's transaction). */
export async function recordAttempt(db: Executor, a: AttemptRecord): Promise<void> {
  await db
    .insertInto('webhook_deliveries')
    .values({
      id: newRowId(),
      webhook_id: a.webhookId,
      organization_id: a.organizationId,
      event_id: a.eventId,
      job_id: a.jobId,
      attempt: a.attempt,
      status_code: a.statusCode,
      duration_ms: a.durationMs,
      error: a.error === null ? null : a.error.slice(0, 1000),
      response_body: a.responseBody ?? null,
      success: a.success ? 1 : 0,
      created_at: isoNow(),
    })
    .execute();
}

/**
 * One page of a webhook's attempts, newest first, through (webhook_id, created_at, id) (migration 029), and
 * `totalCount` only when selected, capped as the orders list's is (db/capped-count.ts): an exact count read
 * every attempt of a busy webhook's week on each request.
 */
export async function listDeliveries(
  ctx: Ctx,
  args: { webhookId: string; first?: number | null; after?: string | null },
  opts: { countTotal: boolean } = { countTotal: false },
): Promise<Connection<WebhookDeliveryView>> {
  const actor = requireScope(ctx, 'edit_integrations');
  const first = pageSize(args.first);
  const db = ctx.services.db.kysely;
  const webhook = await loadWebhook(db, actor, args.webhookId);
  let page = db
    .selectFrom('webhook_deliveries as d')
    .leftJoin('outbox_events as e', 'e.id', 'd.event_id')
    .selectAll('d')
    .select('e.type as event_type')
    .where('d.webhook_id', '=', webhook.id)
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(first + 1);
  if (args.after) {
    const [createdAt, id] = decodeCursor(args.after, 2);
    page = page.where((eb) => eb(eb.refTuple('d.created_at', 'd.id'), '<', eb.tuple(createdAt, id)));
  }
  const [rows, total] = await Promise.all([
    page.execute(),
    opts.countTotal ? cappedCount(db, db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', webhook.id)).executeTakeFirstOrThrow() : undefined,
  ]);
  return toConnection(rows, { first, after: args.after, totalCount: Number(total?.n ?? 0) }, (r) => [r.created_at, r.id], deliveryView);
}

/**
 * Queues the event of delivery attempt `id` for its webhook again, behind the webhook's pending deliveries of
 * the same order (so per-order order still holds). It carries the same `webhook-id`, so a receiver that already
 * has it can drop it. Returns the attempt that was retried.
 */
export async function retryDelivery(ctx: Ctx, id: string): Promise<WebhookDeliveryView> {
  const actor = requireScope(ctx, 'edit_integrations');
  return withTransaction(ctx, async (tctx) => {
    const row = await tctx.tx
      .selectFrom('webhook_deliveries as d')
      .leftJoin('outbox_events as e', 'e.id', 'd.event_id')
      .selectAll('d')
      .select(['e.type as event_type', 'e.order_id as order_id', 'e.id as found_event'])
      .where('d.id', '=', id)
      .executeTakeFirst();
    if (!row || !canAccess(actor, row.organization_id)) throw notFound('webhook delivery', id);
    const webhook = await loadWebhook(tctx.tx, actor, row.webhook_id);
    if (webhook.enabled !== 1) throw badInput('id', 'belongs to a disabled webhook; enable it (webhookUpdate enabled: true) first');
    if (row.found_event == null) throw badInput('id', 'refers to an event that is no longer kept');
    await enqueueJobs(tctx, [deliveryJob({ id: webhook.id, organizationId: webhook.organization_id }, row.event_id, row.order_id)]);
    return deliveryView(row);
  });
}
