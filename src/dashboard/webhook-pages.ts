/**
 * Webhooks: the organization's subscriptions (create, pause, resume, rotate the secret) and one webhook's delivery
 * log with every attempt's response, each re-sendable. The same commands as the Orders API's webhook mutations.
 */
import type { FastifyInstance } from 'fastify';
import { EVENT_TYPES } from '../webhooks/outbox.ts';
import { createWebhook, listWebhooks, loadWebhook, updateWebhook, webhookView } from '../webhooks/webhook-subscriptions.ts';
import { listDeliveries, retryDelivery } from '../webhooks/webhook-deliveries.ts';
import { requireScope } from '../auth/scopes.ts';
import { html } from './html.ts';
import { actionButton, csrfField, when } from './layout.ts';
import { formText, runAction, sendPage } from './responses.ts';
import { dashOf } from './session-guard.ts';

export function webhookPages(app: FastifyInstance): void {
  app.get('/webhooks', async (request, reply) => {
    const { ctx, session } = dashOf(request);
    const list = await listWebhooks(ctx, { first: 50 });
    const body = html`<h1>Webhooks</h1>
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
<p><button type="submit">Create webhook</button></p></form>`;
    return sendPage(request, reply, { title: 'Webhooks', current: '/dashboard/webhooks', body });
  });

  app.post<{ Body: { endpoint?: string; events?: string | string[] } }>('/webhooks', (request, reply) =>
    runAction(request, reply, '/dashboard/webhooks', async () => {
      const w = await createWebhook(dashOf(request).ctx, {
        endpoint: formText(request.body, 'endpoint') ?? '',
        events: ([] as string[]).concat(request.body.events ?? []),
      });
      return `Webhook created for ${w.endpoint}; its signing secret is on its page`;
    }),
  );

  const toggles: [string, Record<string, boolean>, string][] = [
    ['pause', { enabled: false }, 'Webhook paused: nothing is sent until it is resumed'],
    ['resume', { enabled: true }, 'Webhook resumed'],
    ['rotate', { rotateSecret: true }, 'Secret rotated: the previous one still signs deliveries for 24 hours'],
  ];
  for (const [action, input, message] of toggles) {
    app.post<{ Params: { id: string } }>(`/webhooks/:id/${action}`, (request, reply) =>
      runAction(request, reply, action === 'rotate' ? `/dashboard/webhooks/${request.params.id}` : '/dashboard/webhooks', async () => {
        await updateWebhook(dashOf(request).ctx, request.params.id, input);
        return message;
      }),
    );
  }

  app.get<{ Params: { id: string } }>('/webhooks/:id', async (request, reply) => {
    const { ctx, session } = dashOf(request);
    const actor = requireScope(ctx, 'edit_integrations');
    const w = webhookView(await loadWebhook(ctx.services.db.kysely, actor, request.params.id));
    const log = await listDeliveries(ctx, { webhookId: w.id, first: 50 });
    const body = html`<p><a href="/dashboard/webhooks">← Webhooks</a></p>
<h1>Webhook</h1>
<dl class="facts"><dt>Endpoint</dt><dd>${w.endpoint}</dd><dt>Events</dt><dd>${w.events.length ? w.events.join(', ') : 'all events'}</dd>
<dt>Health</dt><dd>${w.health}</dd><dt>Signing secret</dt><dd><code class="secret">${w.secret}</code></dd></dl>
<div class="actions">${actionButton(session, `/dashboard/webhooks/${w.id}/rotate`, 'Rotate the secret')}
${actionButton(session, `/dashboard/webhooks/${w.id}/${w.enabled ? 'pause' : 'resume'}`, w.enabled ? 'Pause' : 'Resume')}</div>
<h2>Delivery log</h2>
${log.edges.length === 0
  ? html`<p class="muted">Nothing delivered yet.</p>`
  : html`<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Attempt</th><th scope="col">Response</th><th scope="col">Time</th><th scope="col">Re-send</th></tr></thead>
<tbody>${log.edges.map(
      ({ node: d }) => html`<tr><td>${when(d.createdAt)}</td><td>${d.eventType ?? '(no longer kept)'} #${d.eventId}</td><td>${d.attempt}</td>
<td>${d.success ? 'OK' : 'failed'} ${d.statusCode ?? ''} ${d.error ?? ''}</td><td>${d.durationMs} ms</td>
<td>${actionButton(session, `/dashboard/webhooks/${w.id}/deliveries/${d.id}/resend`, 'Re-send')}</td></tr>`,
    )}</tbody></table></div>`}`;
    return sendPage(request, reply, { title: 'Webhook', current: '/dashboard/webhooks', body });
  });

  app.post<{ Params: { id: string; delivery: string } }>('/webhooks/:id/deliveries/:delivery/resend', (request, reply) =>
    runAction(request, reply, `/dashboard/webhooks/${request.params.id}`, async () => {
      const d = await retryDelivery(dashOf(request).ctx, request.params.delivery);
      return `Event #${d.eventId} queued for delivery again`;
    }),
  );
}
