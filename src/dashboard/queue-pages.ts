/**
 * Fulfiller pages: the work queue (the orders routed to this supplier, by status) and moving many of them to a
 * status in one action, through the Fulfiller API's bulk command, with each order's outcome shown.
 */
import type { FastifyInstance } from 'fastify';
import { badInput, DomainError } from '../errors/domain-error.ts';
import { listFulfillerOrders } from '../orders/fulfiller-queries.ts';
import { isWholeOrder, updateFulfillerOrders } from '../orders/fulfiller-updates.ts';
import { STATUS_CODES, statusName } from '../orders/status-transitions.ts';
import { href, html } from './html.ts';
import { csrfField } from './layout.ts';
import { sendPage } from './responses.ts';
import { dashOf } from './session-guard.ts';

const PAGE = 50;
const statusLabel = (c: number): string => `${c} ${statusName(c)}`;

function statusOptions(selected: number | undefined, anyLabel?: string) {
  return html`${anyLabel && html`<option value="">${anyLabel}</option>`}${STATUS_CODES.map(
    (c) => html`<option value="${c}"${selected === c ? html` selected` : null}>${c} ${statusName(c)}</option>`,
  )}`;
}

function parseStatus(value: unknown, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!STATUS_CODES.includes(n)) throw badInput(field, 'must be a fulfilment status code');
  return n;
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
<tbody>${page.map(({ row, lines }) => {
      const d = row.delivery ? (JSON.parse(row.delivery) as { fullname?: string; city?: string; country?: string }) : {};
      return html`<tr>${mayEdit && html`<td><input type="checkbox" name="ids" value="${row.number}" id="o-${row.number}" aria-label="Select order ${row.number}"></td>`}
<td><label for="o-${row.number}">#${row.number}</label></td><td>${row.external_reference ?? '—'}</td><td>${row.status} ${statusName(row.status)}</td>
<td>${lines.map((l) => `${l.quantity} × ${l.sku ?? l.label ?? '?'}`).join(', ')}</td><td>${[d.fullname, d.city, d.country].filter(Boolean).join(', ')}</td><td>${row.updated_at.slice(0, 16).replace('T', ' ')}</td></tr>`;
    })}</tbody></table></div>
${page.length === 0 && html`<p>No orders in this queue.</p>`}
${mayEdit && page.length > 0 && html`<div class="filters"><div class="field"><label for="to">Move the selected orders to</label><select id="to" name="status">${statusOptions(undefined)}</select></div>
<button type="submit">Move selected</button></div>`}
</form>
<nav class="pager" aria-label="Pages">${orders.length > PAGE && html`<a href="${href('/dashboard/queue', { status, after: page.at(-1)!.row.number })}">Next page</a>`}</nav>`;
    return sendPage(request, reply, { title: 'Work queue', current: '/dashboard/queue', body });
  });

  app.post<{ Body: { ids?: string | string[]; status?: string } }>('/queue/move', async (request, reply) => {
    const { ctx } = dashOf(request);
    const ids = ([] as string[]).concat(request.body.ids ?? []).map(Number);
    if (ids.length === 0) throw badInput('ids', 'must select at least one order');
    if (ids.some((n) => !Number.isInteger(n))) throw badInput('ids', 'must be order numbers');
    const status = parseStatus(request.body.status, 'status');
    if (status === undefined) throw badInput('status', 'must be chosen');
    const results = await updateFulfillerOrders(ctx, ids.map((id) => ({ id, status })), 'status');
    const moved = results.filter((r) => !(r instanceof DomainError)).length;
    const body = html`<h1>Moved ${moved} of ${ids.length} orders to ${statusLabel(status)}</h1>
<div class="table-wrap"><table><thead><tr><th scope="col">Order</th><th scope="col">Outcome</th></tr></thead>
<tbody>${results.map(
      (r, i) => html`<tr><td>#${ids[i]}</td><td>${r instanceof DomainError ? html`<span class="error">${r.message}</span>` : html`now ${statusLabel(isWholeOrder(r) ? r.row.status : r.status)}`}</td></tr>`,
    )}</tbody></table></div>
<p><a href="/dashboard/queue">Back to the work queue</a></p>`;
    return sendPage(request, reply, { title: 'Moved', current: '/dashboard/queue', body });
  });
}
