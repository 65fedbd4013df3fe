/**
 * Webhooks: the organization's subscriptions (create with a format, pause, resume, rotate the secret; a secret is
 * shown once, in the answer that set it) and one webhook's delivery log with every attempt's response, each
 * re-sendable. The same commands as the Orders API's webhook mutations.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EVENT_TYPES } from '../webhooks/outbox.ts';
import { createWebhook, listWebhooks, loadWebhook, updateWebhook, webhookView, type WebhookView } from '../webhooks/webhook-subscriptions.ts';
import { WEBHOOK_FORMATS, type WebhookFormat } from '../webhooks/webhook-formats.ts';
import { listDeliveries, retryDelivery } from '../webhooks/webhook-deliveries.ts';
import { requireScope } from '../auth/scopes.ts';
import { html, type SafeHtml } from './html.ts';
import { actionButton, csrfField, when } from './layout.ts';
import { answerOrFlashError, formText, runAction, sendPage } from './responses.ts';
import { dashOf } from './session-guard.ts';

/** Shown once, in the answer of the command that set the secret: it is never shown again (SPEC §9). */
function secretOnce(w: WebhookView): SafeHtml {
  return html`<div class="notice" role="status"><p>Webhook for <strong>${w.endpoint}</strong>: copy its ${w.format} signing secret now, it is shown only once.</p>
<dl class="facts"><dt>Signing secret</dt><dd><code class="secret" id="webhook-secret">${w.secret}</code></dd></dl></div>`;
}

async function webhooksPage(request: FastifyRequest, reply: FastifyReply, created?: WebhookView): Promise<FastifyReply> {
  const { ctx, session } = dashOf(request);
  const list = await listWebhooks(ctx, { first: 50 });
  const body = html`<h1>Webhooks</h1>${created && secretOnce(created)}
${list.edges.length === 0
  ? html`<p>No webhooks yet.</p>`
  : html`<div class="table-wrap"><table><thead><tr><th scope="col">Endpoint</th><th scope="col">Events</th><th scope="col">Health</th><th scope="col">Actions</th></tr></thead>
<tbody>${list.edges.map(
      ({ node: w }) => html`<tr><td><a href="/dashboard/webhooks/${w.id}">${w.endpoint}</a></td><td>${w.events.length ? w.events.join(', ') : 'all events'}</td><td>${w.health}</td>
<td>${actionButton(session, `/dashboard/webhooks/${w.id}/${w.enabled ? 'pause' : 'resume'}`, w.enabled ? 'Pause' : 'Resume')}</td></tr>`,
    )}</tbody></table></div>`}
<h2 id="new-webhook">New webhook</h2>
<form method="post" action="/dashboard/webhooks" aria-labelledby="new-webhook">${csrfField(session)}
<div class="field"><label for="endpoint">Endpoint URL</label><input id="endpoint" name="endpoint" type="url" required placeholder="https://example.com/webhooks"></div>
<fieldset><legend>Events (none ticked: every event)</legend>${EVENT_TYPES.map(
      (e, i) => html`<div><input type="checkbox" id="ev-${i}" name="events" value="${e}"> <label for="ev-${i}">${e}</label></div>`,
    )}</fieldset>
<div class="field"><label for="format">Format</label><select id="format" name="format">${WEBHOOK_FORMATS.map(
      (f) => html`<option value="${f}">${FORMAT_LABELS[f]}</option>`,
    )}</select></div>
<p><button type="submit">Create webhook</button></p></form>`;
  return sendPage(request, reply, { title: 'Webhooks', current: '/dashboard/webhooks', body });
}

const FORMAT_LABELS: Record<WebhookFormat, string> = {
  STANDARD: 'Standard Webhooks (webhook-signature)',
  HAPPYCOLIS: 'HappyColis (x-happycolis-webhook-signature)',
  KORNITX: 'KornitX (X-CustomGateway-Hmac: order push or status callbacks)',
};

export function webhookPages(app: FastifyInstance): void {
  app.get('/webhooks', (request, reply) => webhooksPage(request, reply));

  // Answered with the page itself, not a redirect: the secret must not travel in a URL.
  app.post<{ Body: { endpoint?: string; events?: string | string[]; format?: string } }>('/webhooks', (request, reply) =>
    answerOrFlashError(request, reply, '/dashboard/webhooks', async () => {
      const w = await createWebhook(dashOf(request).ctx, {
        endpoint: formText(request.body, 'endpoint') ?? '',
        events: ([] as string[]).concat(request.body.events ?? []),
        format: formText(request.body, 'format'),
      });
      return webhooksPage(request, reply, w);
    }),
  );

  const toggles: [string, Record<string, boolean>, string][] = [
    ['pause', { enabled: false }, 'Webhook paused: nothing is sent until it is resumed'],
    ['resume', { enabled: true }, 'Webhook resumed'],
  ];
  for (const [action, input, message] of toggles) {
    app.post<{ Params: { id: string } }>(`/webhooks/:id/${action}`, (request, reply) =>
      runAction(request, reply, '/dashboard/webhooks', async () => {
        await updateWebhook(dashOf(request).ctx, request.params.id, input);
        return message;
      }),
    );
  }

  app.post<{ Params: { id: string } }>('/webhooks/:id/rotate', (request, reply) =>
    answerOrFlashError(request, reply, `/dashboard/webhooks/${request.params.id}`, async () => {
      const w = await updateWebhook(dashOf(request).ctx, request.params.id, { rotateSecret: true });
      return webhookPage(request, reply, request.params.id, w);
    }),
  );

  app.get<{ Params: { id: string } }>('/webhooks/:id', (request, reply) => webhookPage(request, reply, request.params.id));

  app.post<{ Params: { id: string; delivery: string } }>('/webhooks/:id/deliveries/:delivery/resend', (request, reply) =>
    runAction(request, reply, `/dashboard/webhooks/${request.params.id}`, async () => {
      const d = await retryDelivery(dashOf(request).ctx, request.params.delivery);
      return `Event #${d.eventId} queued for delivery again`;
    }),
  );
}

/** One webhook and its delivery log; `rotated`: the answer of a rotation, which shows the new secret once. */
async function webhookPage(request: FastifyRequest, reply: FastifyReply, id: string, rotated?: WebhookView): Promise<FastifyReply> {
  const { ctx, session } = dashOf(request);
  const actor = requireScope(ctx, 'edit_integrations');
  const w = webhookView(await loadWebhook(ctx.services.db.kysely, actor, id));
  const log = await listDeliveries(ctx, { webhookId: w.id, first: 50 });
  const body = html`<p><a href="/dashboard/webhooks">← Webhooks</a></p>
<h1>Webhook</h1>${rotated && html`${secretOnce(rotated)}<p>The previous secret still signs deliveries for 24 hours.</p>`}
<dl class="facts"><dt>Endpoint</dt><dd>${w.endpoint}</dd><dt>Events</dt><dd>${w.events.length ? w.events.join(', ') : 'all events'}</dd>
<dt>Format</dt><dd>${w.format}</dd><dt>Health</dt><dd>${w.health}</dd><dt>Signing secret</dt><dd>shown once, when it was set (rotate it for a new one)</dd></dl>
<div class="actions">${actionButton(session, `/dashboard/webhooks/${w.id}/rotate`, 'Rotate the secret')}
${actionButton(session, `/dashboard/webhooks/${w.id}/${w.enabled ? 'pause' : 'resume'}`, w.enabled ? 'Pause' : 'Resume')}</div>
<h2>Delivery log</h2>
${log.edges.length === 0
  ? html`<p class="muted">Nothing delivered yet.</p>`
  : html`<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Attempt</th><th scope="col">Response</th><th scope="col">Time</th><th scope="col">Re-send</th></tr></thead>
<tbody>${log.edges.map(
      ({ node: d }) => html`<tr><td>${when(d.createdAt)}</td><td>${d.eventType ?? '(no longer kept)'} #${d.eventId}</td><td>${d.attempt}</td>
<td>${d.success ? 'OK' : 'failed'} ${d.statusCode ?? ''} ${d.error ?? ''}${d.responseBody && html`<pre class="response">${d.responseBody}</pre>`}</td><td>${d.durationMs} ms</td>
<td>${actionButton(session, `/dashboard/webhooks/${w.id}/deliveries/${d.id}/resend`, 'Re-send')}</td></tr>`,
    )}</tbody></table></div>`}`;
  return sendPage(request, reply, { title: 'Webhook', current: '/dashboard/webhooks', body });
}
