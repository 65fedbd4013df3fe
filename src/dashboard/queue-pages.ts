/**
 * Fulfiller pages: the work queue (the delivery orders routed to this supplier, by status), and acting on many of
 * them in one go: move them to a status (the Fulfiller API's bulk `updateOrders`) or reject them with a reason
 * (its `rejectOrders`), each order's outcome shown. One delivery order's page (shipments) is in
 * delivery-order-pages.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badInput, DomainError } from '../errors/domain-error.ts';
import { listFulfillerOrders } from '../orders/fulfiller-queries.ts';
import { updateFulfillerOrders, type FulfillerResult } from '../orders/fulfiller-updates.ts';
import { rejectDeliveryOrders } from '../fulfilment/reject-delivery-orders.ts';
import { STATUS_CODES, statusName } from '../orders/status-transitions.ts';
import { href, html } from './html.ts';
import { csrfField } from './layout.ts';
import { formText, sendPage } from './responses.ts';
import { dashOf } from './session-guard.ts';

const PAGE = 50;
export const statusLabel = (c: number): string => `${c} ${statusName(c)}`;

function statusOptions(selected: number | undefined, anyLabel?: string) {
  // The empty first option: "Any" in the filter; in the move form nothing preselected (Enter in the reason field
  // submits with the form's first button, Move, which must not pick a status by itself).
  return html`${anyLabel && html`<option value="">${anyLabel}</option>`}${STATUS_CODES.map(
    (c) => html`<option value="${c}"${selected === c ? html` selected` : null}>${statusLabel(c)}</option>`,
  )}`;
}

function parseStatus(value: unknown, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!STATUS_CODES.includes(n)) throw badInput(field, 'must be a fulfilment status code');
  return n;
}

function selectedIds(body: { ids?: string | string[] }): number[] {
  const ids = ([] as string[]).concat(body.ids ?? []).map(Number);
  if (ids.length === 0) throw badInput('ids', 'must select at least one order');
  if (ids.some((n) => !Number.isInteger(n))) throw badInput('ids', 'must be order numbers');
  return ids;
}

/** The answer to a bulk action: how many succeeded, and each order's outcome or refusal. */
function outcomesPage(request: FastifyRequest, reply: FastifyReply, title: string, ids: number[], results: (FulfillerResult | DomainError)[]) {
  const done = results.filter((r) => !(r instanceof DomainError)).length;
  const body = html`<h1>${title.replace('{n}', `${done} of ${ids.length}`)}</h1>
<div class="table-wrap"><table><thead><tr><th scope="col">Order</th><th scope="col">Outcome</th></tr></thead>
<tbody>${results.map(
    (r, i) => html`<tr><td><a href="/dashboard/queue/${ids[i]}">#${ids[i]}</a></td><td>${r instanceof DomainError
      ? html`<span class="error">${r.message}</span>`
      : html`now ${statusLabel(r.deliveryOrder.status)}${r.deliveryOrder.state === 'REJECTED' ? ' (rejected)' : ''}`}</td></tr>`,
  )}</tbody></table></div>
<p><a href="/dashboard/queue">Back to the work queue</a></p>`;
  return sendPage(request, reply, { title: 'Outcome', current: '/dashboard/queue', body });
}

export function queuePages(app: FastifyInstance): void {
  app.get<{ Querystring: { status?: string; after?: string } }>('/queue', async (request, reply) => {
    const { ctx, session } = dashOf(request);
    const status = parseStatus(request.query.status, 'status');
    const afterId = request.query.after && /^\d+$/.test(request.query.after) ? Number(request.query.after) : null;
    const orders = await listFulfillerOrders(ctx, { status: status === undefined ? null : [status], limit: PAGE + 1, afterId });
    const page = orders.slice(0, PAGE);
    const mayEdit = ctx.actor?.scopes.has('order-it.order-manager.edit') ?? false;
    const body = html`<h1>Work queue</h1>
<form class="filters" method="get" action="/dashboard/queue">
<div class="field"><label for="status">Status</label><select id="status" name="status">${statusOptions(status, 'Any')}</select></div>
<button type="submit">Show</button></form>
<form method="post" action="/dashboard/queue/move">${csrfField(session)}
<div class="table-wrap"><table><thead><tr>${mayEdit && html`<th scope="col">Select</th>`}<th scope="col">Number</th><th scope="col">Reference</th><th scope="col">Status</th><th scope="col">Lines</th><th scope="col">Ship to</th><th scope="col">Updated</th></tr></thead>
<tbody>${page.map(({ deliveryOrder: dor, order: { row, lines } }) => {
      // The fulfiller's order is a delivery order: its number and status, the merchant order's references and address.
      const d = row.delivery ? (JSON.parse(row.delivery) as { fullname?: string; city?: string; country?: string }) : {};
      return html`<tr>${mayEdit && html`<td><input type="checkbox" name="ids" value="${dor.number}" aria-label="Select order ${dor.number}"></td>`}
<td><a href="/dashboard/queue/${dor.number}">#${dor.number}</a></td><td>${row.external_reference ?? '—'}</td><td>${statusLabel(dor.status)}${dor.state === 'REJECTED' ? ' (rejected)' : ''}</td>
<td>${lines.map((l) => `${l.quantity} × ${l.sku ?? l.label ?? '?'}`).join(', ')}</td><td>${[d.fullname, d.city, d.country].filter(Boolean).join(', ')}</td><td>${dor.updated_at.slice(0, 16).replace('T', ' ')}</td></tr>`;
    })}</tbody></table></div>
${page.length === 0 && html`<p>No orders in this queue.</p>`}
${mayEdit && page.length > 0 && html`<div class="filters"><div class="field"><label for="to">Move the selected orders to</label><select id="to" name="status" required>${statusOptions(undefined, 'Choose a status')}</select></div>
<button type="submit">Move selected</button></div>
<div class="filters"><div class="field"><label for="reason">Reason for rejecting</label><input id="reason" name="reason" maxlength="1000"></div>
<button type="submit" class="danger" formaction="/dashboard/queue/reject" formnovalidate>Reject selected</button></div>`}
</form>
<nav class="pager" aria-label="Pages">${orders.length > PAGE && html`<a href="${href('/dashboard/queue', { status, after: page.at(-1)!.deliveryOrder.number })}">Next page</a>`}</nav>`;
    return sendPage(request, reply, { title: 'Work queue', current: '/dashboard/queue', body });
  });

  app.post<{ Body: { ids?: string | string[]; status?: string } }>('/queue/move', async (request, reply) => {
    const ids = selectedIds(request.body);
    const status = parseStatus(request.body.status, 'status');
    if (status === undefined) throw badInput('status', 'must be chosen');
    const results = await updateFulfillerOrders(dashOf(request).ctx, ids.map((id) => ({ id, status })), 'status');
    return outcomesPage(request, reply, `Moved {n} orders to ${statusLabel(status)}`, ids, results);
  });

  app.post<{ Body: { ids?: string | string[]; reason?: string } }>('/queue/reject', async (request, reply) => {
    const ids = selectedIds(request.body);
    const reason = formText(request.body, 'reason') ?? '';
    const results = await rejectDeliveryOrders(dashOf(request).ctx, ids.map((id) => ({ id, reason, reasonCode: null })));
    return outcomesPage(request, reply, 'Rejected {n} orders', ids, results);
  });
}
