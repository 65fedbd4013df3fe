/** The shipments of an order or of a delivery order, as both the merchant's and the supplier's pages show them. */
import type { ShipmentView } from '../shipments/shipment-view.ts';
import { html, type SafeHtml } from './html.ts';
import { when } from './layout.ts';

/** The tracking number, as a link to the carrier's page when there is one (the URL was checked to be http(s)). */
function tracking(s: ShipmentView): SafeHtml {
  const label = s.tracking ?? (s.trackingUrl ? 'Track the parcel' : '—');
  // Not boosted: it leaves for the carrier's site.
  return s.trackingUrl ? html`<a href="${s.trackingUrl}" hx-boost="false" rel="noopener noreferrer">${label}</a>` : html`${label}`;
}

export function shipmentsTable(shipments: ShipmentView[]): SafeHtml {
  if (shipments.length === 0) return html`<p class="muted">No shipments yet.</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">Shipped</th><th scope="col">Delivery order</th><th scope="col">Carrier</th><th scope="col">Tracking</th><th scope="col">Items</th><th scope="col">Last carrier event</th></tr></thead>
<tbody>${shipments.map(
    (s) => html`<tr><td>${when(s.issuedAt)}</td><td>#${s.deliveryOrder.number}</td><td>${[s.carrierName, s.shippingMethodName].filter(Boolean).join(' · ') || '—'}</td><td>${tracking(s)}</td>
<td>${s.details.map((d) => `${d.quantity} × ${d.sku ?? `line ${d.orderLineId}`}`).join(', ')}</td><td>${s.lastEvent} (${s.state})</td></tr>`,
  )}</tbody></table></div>`;
}
