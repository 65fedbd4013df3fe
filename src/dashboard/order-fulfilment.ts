/**
 * The fulfilment part of a merchant's order page: its delivery orders (supplier, state, status, why one was
 * rejected, where it was rerouted), the reroute of a rejected one (the Orders API's `deliveryOrderReroute`, posted
 * to order-pages.ts), and its shipments with tracking links. Read through the Orders API's own queries.
 */
import type { Ctx } from '../context.ts';
import { orderDeliveryOrders } from '../fulfilment/delivery-order-queries.ts';
import type { DeliveryOrderView } from '../fulfilment/delivery-order-view.ts';
import { findOrganization } from '../organizations/organizations.ts';
import { routableSuppliers } from '../organizations/supplier-routing.ts';
import { sandboxesOf } from '../sandbox/sandbox-suppliers.ts';
import type { OrderView } from '../orders/order-record.ts';
import { orderShipments } from '../shipments/shipment-queries.ts';
import type { LiveSession } from '../users/sessions.ts';
import { html, type SafeHtml } from './html.ts';
import { csrfField } from './layout.ts';
import { shipmentsTable } from './shipment-table.ts';

type Supplier = { id: string; name: string };

function rerouteForm(session: LiveSession, o: OrderView, d: DeliveryOrderView, choices: Supplier[]): SafeHtml {
  const others = choices.filter((s) => s.id !== d.supplierId);
  if (others.length === 0) return html`<span class="muted">no other supplier to reroute to</span>`;
  return html`<form class="inline" method="post" action="/dashboard/orders/${o.id}/delivery-orders/${d.id}/reroute">${csrfField(session)}
<label for="reroute-${d.number}">Reroute #${d.number} to</label> <select id="reroute-${d.number}" name="supplierId">${others.map((s) => html`<option value="${s.id}">${s.name}</option>`)}</select>
<button type="submit">Reroute</button></form>`;
}

export async function fulfilmentSections(ctx: Ctx, session: LiveSession, o: OrderView): Promise<SafeHtml> {
  const db = ctx.services.db.kysely;
  const [parts, shipments, routable] = await Promise.all([orderDeliveryOrders(ctx, o.id), orderShipments(ctx, o.id), routableSuppliers(db, o.organizationId)]);
  const names = new Map(routable.map((s) => [s.id, s.name]));
  // A supplier the merchant was disconnected from still names its past delivery orders.
  for (const id of new Set(parts.map((d) => d.supplierId))) if (!names.has(id)) names.set(id, (await findOrganization(db, id))?.name ?? id);
  const mayReroute = ctx.actor?.scopes.has('edit_delivery_orders') ?? false;
  const simulated = await sandboxesOf(db, [...names.keys()]);
  const numberOf = new Map(parts.map((d) => [d.id, d.number]));
  return html`<h2>Delivery orders</h2>
${parts.length === 0
  ? html`<p class="muted">None yet: an order is split between its suppliers when it is opened.</p>`
  : html`<div class="table-wrap"><table><thead><tr><th scope="col">Number</th><th scope="col">Supplier</th><th scope="col">State</th><th scope="col">Status</th><th scope="col">Lines</th><th scope="col">Notes</th></tr></thead>
<tbody>${parts.map(
      (d) => html`<tr><td>#${d.number}</td><td>${names.get(d.supplierId)}${simulated.has(d.supplierId) && html` <span class="muted" title="a simulated fulfiller (ordergraph sandbox)">[sandbox]</span>`}</td><td>${d.state}</td><td>${d.status} ${d.statusName}</td>
<td>${d.lines.map((l) => `${l.quantity} × ${l.sku ?? l.label ?? '?'}`).join(', ') || '—'}</td>
<td>${d.reason && `rejected: ${d.reason}${d.reroutedTo ? '; ' : ' '}`}${d.reroutedTo
        ? html`rerouted to #${numberOf.get(d.reroutedTo) ?? d.reroutedTo}`
        : d.state === 'REJECTED' && mayReroute && rerouteForm(session, o, d, routable)}</td></tr>`,
    )}</tbody></table></div>`}
<h2>Shipments</h2>
${shipmentsTable(shipments)}`;
}
