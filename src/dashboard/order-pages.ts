/**
 * Merchant pages: the orders list (search by number or external reference, filters, newest first, keyset paging)
 * and one order with its actions. Each action is one call of the Orders API's command.
 */
import type { FastifyInstance } from 'fastify';
import { badInput } from '../errors/domain-error.ts';
import { getOrder, listOrders, type OrderFilter } from '../orders/order-queries.ts';
import { cancelOrderCommand, openOrderCommand, updateOrder } from '../orders/order-commands.ts';
import { rerouteDeliveryOrderCommand } from '../fulfilment/reroute-delivery-order.ts';
import type { DispatchableRequestView } from '../requests/dispatchable-requests.ts';
import { STATUS_CODES, statusName } from '../orders/status-transitions.ts';
import { href, html } from './html.ts';
import { orderPage, PRIORITIES } from './order-page.ts';
import { formText, runAction, sendPage } from './responses.ts';
import { dashOf } from './session-guard.ts';

const STATES = ['DRAFT', 'OPENED', 'COMPLETED'] as const;
const PAGE = 25;

interface ListQuery {
  q?: string;
  state?: string;
  status?: string;
  after?: string;
}

function filterOf(query: ListQuery): OrderFilter {
  const f: OrderFilter = {};
  const q = query.q?.trim();
  if (q) {
    // Digits are an order number; anything else an external reference.
    if (/^\d{1,15}$/.test(q)) f.number = Number(q);
    else f.externalReference = q;
  }
  if (query.state) {
    if (!STATES.includes(query.state as never)) throw badInput('state', `must be one of ${STATES.join(', ')}`);
    f.state = query.state;
  }
  if (query.status) {
    if (!STATUS_CODES.includes(Number(query.status))) throw badInput('status', 'must be a fulfilment status code');
    f.status = Number(query.status);
  }
  return f;
}

function describeRequest(r: DispatchableRequestView): string {
  return r.state === 'PENDING' ? `${r.type} requested: ${r.message}` : `${r.type} ${r.state.toLowerCase()}: ${r.message}`;
}

export function orderPages(app: FastifyInstance): void {
  app.get<{ Querystring: ListQuery }>('/orders', async (request, reply) => {
    const { ctx } = dashOf(request);
    const query = request.query;
    const list = await listOrders(ctx, { first: PAGE, after: query.after || null, filter: filterOf(query) }, { countTotal: false });
    const body = html`<h1>Orders</h1>
<form class="filters" method="get" action="/dashboard/orders" role="search">
<div class="field"><label for="q">Number or external reference</label><input id="q" name="q" type="search" value="${query.q ?? ''}"></div>
<div class="field"><label for="state">State</label><select id="state" name="state"><option value="">Any</option>${STATES.map(
      (s) => html`<option${query.state === s ? html` selected` : null}>${s}</option>`,
    )}</select></div>
<div class="field"><label for="status">Status</label><select id="status" name="status"><option value="">Any</option>${STATUS_CODES.map(
      (c) => html`<option value="${c}"${query.status === String(c) ? html` selected` : null}>${c} ${statusName(c)}</option>`,
    )}</select></div>
<button type="submit">Search</button>
</form>
${list.edges.length === 0
  ? html`<p>No orders match.</p>`
  : html`<div class="table-wrap"><table><caption class="muted">Newest first</caption>
<thead><tr><th scope="col">Number</th><th scope="col">External reference</th><th scope="col">State</th><th scope="col">Status</th><th scope="col">Total</th><th scope="col">Created</th></tr></thead>
<tbody>${list.edges.map(
      ({ node: o }) => html`<tr><td><a href="/dashboard/orders/${o.id}">#${o.number}</a></td><td>${o.externalReference ?? '—'}</td><td>${o.state}</td>
<td>${o.status} ${o.statusName}</td><td>${o.total ?? '—'} ${o.currency ?? ''}</td><td>${o.createdAt.slice(0, 16).replace('T', ' ')}</td></tr>`,
    )}</tbody></table></div>`}
<nav class="pager" aria-label="Pages">
${query.after && html`<a href="${href('/dashboard/orders', { q: query.q, state: query.state, status: query.status })}">First page</a>`}
${list.pageInfo.hasNextPage && html`<a href="${href('/dashboard/orders', { q: query.q, state: query.state, status: query.status, after: list.pageInfo.endCursor })}">Next page</a>`}
</nav>`;
    return sendPage(request, reply, { title: 'Orders', current: '/dashboard/orders', body });
  });

  app.get<{ Params: { id: string } }>('/orders/:id', async (request, reply) => {
    const { ctx, session } = dashOf(request);
    const order = await getOrder(ctx, { id: request.params.id });
    const body = await orderPage(ctx, session, order);
    return sendPage(request, reply, { title: `Order #${order.number}`, current: '/dashboard/orders', body });
  });

  app.post<{ Params: { id: string }; Body: Record<string, string> }>('/orders/:id/edit', (request, reply) => {
    const { ctx } = dashOf(request);
    const id = request.params.id;
    const b = request.body;
    return runAction(request, reply, `/dashboard/orders/${id}`, async () => {
      const priority = formText(b, 'priority');
      if (priority && !PRIORITIES.includes(priority as never)) throw badInput('priority', `must be one of ${PRIORITIES.join(', ')}`);
      const version = Number(b.expectedVersion);
      const r = await updateOrder(ctx, {
        id,
        expectedVersion: Number.isInteger(version) && version > 0 ? version : undefined,
        externalReference: formText(b, 'externalReference'),
        invoiceNumber: formText(b, 'invoiceNumber'),
        priority,
        comment: formText(b, 'comment'),
        delivery: {
          fullname: formText(b, 'fullname'),
          address: formText(b, 'address'),
          zipcode: formText(b, 'zipcode'),
          city: formText(b, 'city'),
          country: formText(b, 'country')?.toUpperCase() ?? null,
        },
      });
      return describeRequest(r);
    });
  });

  app.post<{ Params: { id: string } }>('/orders/:id/open', (request, reply) =>
    runAction(request, reply, `/dashboard/orders/${request.params.id}`, async () =>
      describeRequest(await openOrderCommand(dashOf(request).ctx, request.params.id)),
    ),
  );

  app.post<{ Params: { id: string } }>('/orders/:id/cancel', (request, reply) =>
    runAction(request, reply, `/dashboard/orders/${request.params.id}`, async () =>
      describeRequest(await cancelOrderCommand(dashOf(request).ctx, request.params.id)),
    ),
  );

  app.post<{ Params: { id: string; deliveryOrderId: string }; Body: Record<string, string> }>('/orders/:id/delivery-orders/:deliveryOrderId/reroute', (request, reply) =>
    runAction(request, reply, `/dashboard/orders/${request.params.id}`, async () =>
      describeRequest(await rerouteDeliveryOrderCommand(dashOf(request).ctx, request.params.deliveryOrderId, formText(request.body, 'supplierId') ?? '')),
    ),
  );
}
