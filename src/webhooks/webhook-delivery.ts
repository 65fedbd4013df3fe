/**
 * The `webhook.deliver` job: sends one outbox event to one webhook, signed, and records the attempt.
 * 2xx completes the job and resets the webhook's failure count; 410 Gone disables the webhook; anything else
 * counts a failure and is retried (Retry-After honoured on 429/503) until the retry window closes, when the job
 * fails, the webhook shows FAILING, and the next event of the same order goes ahead. A deleted or disabled
 * webhook's jobs complete without sending. Sending happens outside any transaction; a crash between sending and
 * recording sends the event again with the same `webhook-id` (at least once).
 */
import { withTransaction } from '../context.ts';
import { newRowId } from '../db/row-ids.ts';
import { webhookDeliverySeconds as deliverySeconds } from '../metrics/registry.ts';
import { completeJob } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/run-job.ts';
import { DELIVER_JOB, type DeliverPayload } from './outbox.ts';
import { recordAttempt } from './webhook-deliveries.ts';
import { FAILING_AFTER } from './webhook-health.ts';
import { deliveryTimeoutMs, postWebhook } from './webhook-http-client.ts';
import { backoffDelayMs, parseRetryAfter, retryAfterDelayMs, retryPolicy } from './webhook-retry-policy.ts';
import { buildRequest } from './webhook-requests.ts';
import { deliveryBatch } from './webhook-delivery-batch.ts';
import { stopPendingDeliveries } from './webhook-subscriptions.ts';
import { isoNow } from '../clock.ts';

export const webhookDeliveryHandler: JobHandler = {
  kind: DELIVER_JOB,
  lane: 'deliveries',

  async run(ctx, job) {
    const policy = retryPolicy(ctx.services.webhookRetry);
    const queuedAt = Date.parse(job.createdAt);
    const { webhookId, eventId } = job.payload as DeliverPayload;
    const db = ctx.services.db.kysely;
    const batch = deliveryBatch(ctx.services.db);
    const { webhook, event } = await batch.load(job, webhookId, eventId);
    if (!webhook || webhook.enabled !== 1 || !event) {
      await batch.finished(job.id);
      return;
    }

    const message = await buildRequest(db, webhook, event);
    // The webhook's format sends nothing for this event (a KORNITX webhook gets only its own kinds).
    if (!message) {
      await batch.finished(job.id);
      return;
    }
    const result = await postWebhook(webhook.endpoint, message.headers, message.body, {
      allowPrivate: ctx.services.webhookAllowPrivate,
      method: message.method,
      timeoutMs: deliveryTimeoutMs(job.leaseEndsAt - Date.now()),
    });
    const gone = result.statusCode === 410;
    // Decide what happens next before recording, so that the log says when a delivery is given up.
    let retryAfterMs: number | undefined;
    let backoffMs: number | undefined;
    if (!result.ok && !gone) {
      if (result.statusCode === 429 || result.statusCode === 503) {
        retryAfterMs = retryAfterDelayMs(policy, parseRetryAfter(result.retryAfter), queuedAt);
      }
      if (retryAfterMs === undefined) backoffMs = backoffDelayMs(policy, job.attempts, queuedAt);
    }
    const givingUp = !result.ok && !gone && retryAfterMs === undefined && backoffMs === undefined;
    const error = gone
      ? 'HTTP 410 Gone: the endpoint asked to stop; the webhook is now disabled'
      : givingUp
        ? `${result.error}; given up after ${job.attempts} attempt(s) (retry it with webhookDeliveryRetry)`
        : result.error;
    deliverySeconds.observe({ outcome: result.ok ? 'success' : gone ? 'gone' : 'failure' }, result.durationMs / 1000);
    if (!result.ok) {
      // The endpoint's origin only: a path or query may carry the receiver's own secret.
      const where = { webhookId: webhook.id, organizationId: webhook.organization_id, endpoint: new URL(webhook.endpoint).origin };
      const what = { eventType: event.type, attempt: job.attempts, statusCode: result.statusCode, error, retryInMs: retryAfterMs ?? backoffMs };
      const msg = gone ? 'webhook disabled: its endpoint answered 410 Gone' : givingUp ? 'webhook delivery given up' : 'webhook delivery failed';
      ctx.services.log?.warn({ ...where, ...what }, msg);
    }

    if (result.ok) {
      // Logged, the failure count reset and the job completed together with the other deliveries finishing now;
      // the lane may go on with the next delivery of the same webhook and order (Job.handOff).
      const next = await batch.succeeded({
        id: newRowId(),
        webhookId: webhook.id,
        organizationId: webhook.organization_id,
        eventId: event.id,
        jobId: job.id,
        attempt: job.attempts,
        statusCode: result.statusCode,
        durationMs: result.durationMs,
        responseBody: result.responseBody ?? null,
      }, job);
      return next && { next };
    }
    await withTransaction(ctx, async (tctx) => {
      await recordAttempt(tctx.tx, {
        webhookId: webhook.id,
        organizationId: webhook.organization_id,
        eventId: event.id,
        jobId: job.id,
        attempt: job.attempts,
        success: result.ok,
        statusCode: result.statusCode,
        durationMs: result.durationMs,
        error,
        responseBody: result.responseBody,
      });
      const now = isoNow();
      await tctx.tx
        .updateTable('webhooks')
        .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1), ...(gone ? { enabled: 0, updated_at: now } : {}) }))
        .where('id', '=', webhook.id)
        .execute();
      if (gone) {
        await stopPendingDeliveries(tctx.tx, webhook.id);
        await completeJob(tctx.tx, job.id);
      }
    });
    if (gone) return;
    // Given up: the window has closed, so retryDelayMs (asked after a throw) gives up too.
    if (givingUp) throw new Error(error ?? 'delivery failed');
    const delayMs = retryAfterMs ?? backoffMs!;
    return { retryAt: new Date(Date.now() + delayMs), error: retryAfterMs !== undefined ? `${error}; Retry-After honoured` : (error ?? 'delivery failed') };
  },

  /** Unexpected errors (database unavailable, ...) retry on the configured schedule too. */
  retryDelayMs(attempt, job, ctx) {
    return backoffDelayMs(retryPolicy(ctx.services.webhookRetry), attempt, Date.parse(job.createdAt));
  },

  async giveUp(ctx, job) {
    const { webhookId } = job.payload as DeliverPayload;
    await ctx.services.db.kysely
      .updateTable('webhooks')
      .set({ consecutive_failures: FAILING_AFTER })
      .where('id', '=', webhookId)
      .where('consecutive_failures', '<', FAILING_AFTER)
      .execute();
  },
};
