/**
 * One delivery order as its supplier sees it (`/dashboard/queue/:number`): where it goes, its lines with what is
 * shipped, its shipments, and the form that adds one (items, carrier, tracking) through the same `createShipments`
 * command as the Fulfiller API, with the form's field names in its messages.
 */
import type { FastifyInstance } from 'fastify';
import { badInput, notFound } from '../errors/domain-error.ts';
import { getFulfillerOrder } from '../orders/fulfiller-queries.ts';
import { fulfillerMayAccess } from '../orders/fulfiller-updates.ts';
import { createShipments, type ShipmentDialect } from '../shipments/create-shipments.ts';
import { DASHBOARD_NAMES } from '../shipments/field-names.ts';
import { deliveryOrderShipments } from '../shipments/shipment-queries.ts';
import { html } from './html.ts';
import { csrfField } from './layout.ts';
import { formText, runAction, sendPage } from './responses.ts';
import { dashOf } from './session-guard.ts';
import { shipmentsTable } from './shipment-table.ts';
import { statusLabel } from './queue-pages.ts';

const DASHBOARD: ShipmentDialect = { scope: 'order-it.order-manager.edit', may: fulfillerMayAccess, names: () => DASHBOARD_NAMES, list: 'shipments' };

function orderNumber(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw notFound('order', value);
  return Number(value);
}

export function deliveryOrderPages(app: FastifyInstance): void {
  app.get<{ Params: { number: string } }>('/queue/:number', async (request, reply) => {
    const { ctx, session } = dashOf(request);
    const { deliveryOrder: d, order } = await getFulfillerOrder(ctx, orderNumber(request.params.number));
    const shipments = await deliveryOrderShipments(ctx, d.number);
    const to = order.row.delivery ? (JSON.parse(order.row.delivery) as Record<string, string | undefined>) : {};
    const left = order.lines.map((l) => ({ line: l, left: Math.max(0, l.quantity - l.fulfilled_quantity) }));
    const mayShip = (ctx.actor?.scopes.has('order-it.order-manager.edit') ?? false) && d.state !== 'REJECTED' && left.some((x) => x.left > 0);
    const body = html`<p><a href="/dashboard/queue">← Work queue</a></p>
<h1>Order #${d.number} <span class="muted">${order.row.external_reference ?? ''}</span></h1>
<dl class="facts">
<dt>Status</dt><dd>${statusLabel(d.status)}</dd>
<dt>State</dt><dd>${d.state}${d.reason ? `: ${d.reason}` : ''}</dd>
<dt>Ship to</dt><dd>${[to.fullname, to.address, to.zipcode, to.city, to.country].filter(Boolean).join(', ') || '—'}</dd>
</dl>
<h2>Lines</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">SKU</th><th scope="col">Label</th><th scope="col">Quantity</th><th scope="col">Shipped</th><th scope="col">Status</th></tr></thead>
<tbody>${order.lines.map((l) => html`<tr><td>${l.sku ?? '—'}</td><td>${l.label ?? '—'}</td><td>${l.quantity}</td><td>${l.fulfilled_quantity}</td><td>${l.status}</td></tr>`)}</tbody></table></div>
<h2>Shipments</h2>
${shipmentsTable(shipments)}
${mayShip && html`<h2 id="add-shipment">Add a shipment</h2>
<form method="post" action="/dashboard/queue/${d.number}/shipments" aria-labelledby="add-shipment">${csrfField(session)}
<fieldset><legend>Units in this parcel</legend><div class="grid">${left.map(
      ({ line: l, left: n }) => html`<div class="field"><label for="qty-${l.id}">${l.sku ?? l.label ?? `Line ${l.id}`} (${n} left)</label><input id="qty-${l.id}" name="qty-${l.id}" type="number" min="0" max="${n}" step="1" value="${n}" inputmode="numeric"></div>`,
    )}</div></fieldset>
<div class="grid">
<div class="field"><label for="carrier">Carrier</label><input id="carrier" name="carrier" maxlength="255"></div>
<div class="field"><label for="trackingNumber">Tracking number</label><input id="trackingNumber" name="trackingNumber" maxlength="255"></div>
<div class="field"><label for="trackingUrl">Tracking URL</label><input id="trackingUrl" name="trackingUrl" type="url" placeholder="https://carrier.example/track/…"></div>
</div>
<button type="submit">Add shipment</button></form>`}`;
    return sendPage(request, reply, { title: `Order #${d.number}`, current: '/dashboard/queue', body });
  });

  app.post<{ Params: { number: string }; Body: Record<string, string> }>('/queue/:number/shipments', (request, reply) => {
    const number = orderNumber(request.params.number);
    const b = request.body;
    return runAction(request, reply, `/dashboard/queue/${number}`, async () => {
      const items = [];
      for (const [name, value] of Object.entries(b)) {
        const line = /^qty-(\d+)$/.exec(name);
        if (!line || value.trim() === '' || value.trim() === '0') continue;
        if (!/^\d+$/.test(value.trim())) throw badInput(name, 'must be a whole number of units');
        items.push({ id: Number(line[1]), quantity: Number(value) });
      }
      const [r] = await createShipments(
        dashOf(request).ctx,
        [{ target: { number }, items, carrier: formText(b, 'carrier'), trackingNumber: formText(b, 'trackingNumber'), trackingUrl: formText(b, 'trackingUrl') }],
        DASHBOARD,
      );
      if (r instanceof Error) throw r;
      const units = r.shipment.items.reduce((n, i) => n + i.quantity, 0);
      return `Shipment added: ${units} unit${units === 1 ? '' : 's'}${r.shipment.row.tracking_number ? `, tracking ${r.shipment.row.tracking_number}` : ''}; the order is now ${statusLabel(r.deliveryOrder.status)}`;
    });
  });
}
