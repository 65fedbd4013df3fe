/**
 * One order as a merchant sees it: facts, lines, delivery orders and shipments, the edit form and actions, its
 * requests, and its history.
 */
import type { Ctx } from '../context.ts';
import { orderHistory } from '../orders/order-queries.ts';
import type { OrderView } from '../orders/order-record.ts';
import { queuedOrRefusedRequests } from '../requests/order-requests.ts';
import { actorName } from '../users/user-actor.ts';
import type { LiveSession } from '../users/sessions.ts';
import { html, type SafeHtml } from './html.ts';
import { actionButton, csrfField, when } from './layout.ts';
import { fulfilmentSections } from './order-fulfilment.ts';

export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH'] as const;

function shown(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function textField(name: string, label: string, value: string | null | undefined, attrs: SafeHtml | null = null): SafeHtml {
  return html`<div class="field"><label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" value="${value ?? ''}"${attrs}></div>`;
}

function editForm(session: LiveSession, o: OrderView): SafeHtml {
  const d = o.delivery ?? {};
  return html`<h2 id="edit">Edit</h2>
<form method="post" action="/dashboard/orders/${o.id}/edit" aria-labelledby="edit">${csrfField(session)}
<input type="hidden" name="expectedVersion" value="${o.version}">
<div class="grid">
${textField('externalReference', 'External reference', o.externalReference)}
${textField('invoiceNumber', 'Invoice number', o.invoiceNumber)}
<div class="field"><label for="f-priority">Priority</label><select id="f-priority" name="priority"><option value="">None</option>${PRIORITIES.map(
    (p) => html`<option${o.priority === p ? html` selected` : null}>${p}</option>`,
  )}</select></div>
${textField('fullname', 'Recipient', d.fullname)}
${textField('address', 'Address', d.address)}
${textField('zipcode', 'Postcode', d.zipcode)}
${textField('city', 'City', d.city)}
${textField('country', 'Country (ISO code)', d.country, html` maxlength="2" autocomplete="country"`)}
</div>
<div class="field"><label for="f-comment">Comment</label><textarea id="f-comment" name="comment" rows="3">${o.comment ?? ''}</textarea></div>
<button type="submit">Save changes</button>
</form>`;
}

export async function orderPage(ctx: Ctx, session: LiveSession, o: OrderView): Promise<SafeHtml> {
  const [history, requests, fulfilment] = await Promise.all([orderHistory(ctx, o.id), queuedOrRefusedRequests(ctx, o.id), fulfilmentSections(ctx, session, o)]);
  const mayEdit = ctx.actor?.scopes.has('edit_orders') ?? false;
  return html`<p><a href="/dashboard/orders">← Orders</a></p>
<h1>Order #${o.number} <span class="muted">${o.externalReference ?? ''}</span></h1>
<dl class="facts">
<dt>State</dt><dd>${o.state}${o.locked ? ' (locked: production has started)' : ''}</dd>
<dt>Status</dt><dd>${o.status} ${o.statusName}</dd>
<dt>Total</dt><dd>${shown(o.total)} ${o.currency ?? ''}</dd>
<dt>Priority</dt><dd>${shown(o.priority)}</dd>
<dt>Shipping</dt><dd>${shown([o.shippingCarrier, o.shippingMethod, o.shippingTracking].filter(Boolean).join(' · '))}</dd>
<dt>Created</dt><dd>${when(o.createdAt)}</dd>
<dt>Version</dt><dd>${o.version}</dd>
</dl>
${mayEdit && o.state !== 'COMPLETED' && html`<div class="actions">
${o.state === 'DRAFT' && actionButton(session, `/dashboard/orders/${o.id}/open`, 'Open the order')}
${actionButton(session, `/dashboard/orders/${o.id}/cancel`, 'Cancel the order', { danger: true })}
</div>`}
<h2>Lines</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">SKU</th><th scope="col">Label</th><th scope="col">Quantity</th><th scope="col">Price</th><th scope="col">Status</th></tr></thead>
<tbody>${o.lines.map((l) => html`<tr><td>${shown(l.sku)}</td><td>${shown(l.label)}</td><td>${l.quantity}</td><td>${shown(l.price)}</td><td>${l.status}</td></tr>`)}</tbody></table></div>
${fulfilment}
${mayEdit && o.state !== 'COMPLETED' && editForm(session, o)}
<h2>Requests</h2>
${requests.length === 0
  ? html`<p class="muted">No queued or refused requests.</p>`
  : html`<div class="table-wrap"><table><thead><tr><th scope="col">Asked</th><th scope="col">By</th><th scope="col">Type</th><th scope="col">Outcome</th><th scope="col">Message</th><th scope="col">Settled</th></tr></thead>
<tbody>${requests.map(
      (r) => html`<tr><td>${when(r.createdAt)}</td><td>${actorName(r.clientId)}</td><td>${r.type}</td><td>${r.state}</td><td>${shown(r.message)}</td><td>${when(r.completedAt)}</td></tr>`,
    )}</tbody></table></div>`}
<h2>History</h2>
<ol class="timeline" aria-label="History, oldest first">${history.map(
    (e) => html`<li><strong>${e.action}</strong> by <span class="who">${actorName(e.clientId)}</span>, ${when(e.createdAt)}
<ul>${e.changes.map((c) => html`<li>${c.field}: ${shown(c.from)} → ${shown(c.to)}</li>`)}</ul></li>`,
  )}</ol>`;
}
