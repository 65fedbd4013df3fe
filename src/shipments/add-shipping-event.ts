/**
 * `shipmentAddEvent`: a carrier event on a shipment, in one transaction with its history row (the
 * shipment_events row names who recorded it) and its events (`shipment/shipping_event`, and
 * `shipment/delivered` on DELIVERED). The rule is shipping-events.ts; the shipment's row is taken first, so
 * concurrent events of one shipment queue up.
 */
import { withTransaction, type Ctx } from '../context.ts';
import { requireScope } from '../auth/scopes.ts';
import { DomainError, notFound } from '../errors/domain-error.ts';
import { merchantMayAccess } from '../orders/order-store.ts';
import { emitEvents } from '../webhooks/outbox.ts';
import { newRowId } from '../db/row-ids.ts';
import { isoNow } from '../clock.ts';
import { shippingEventChange, type ShippingEventInput } from './shipping-events.ts';
import { readShipments, takeShipmentForChange, type ShipmentRecord } from './shipment-store.ts';
import { shipmentEvent } from './shipment-view.ts';

export async function addShippingEvent(ctx: Ctx, shipmentId: string, input: ShippingEventInput): Promise<ShipmentRecord> {
  requireScope(ctx, 'edit_shipments');
  return withTransaction(ctx, async (tctx) => {
    const now = isoNow();
    const row = await takeShipmentForChange(tctx.tx, shipmentId, now);
    if (!row || !merchantMayAccess(tctx, row)) throw notFound('shipment', shipmentId);
    const outcome = shippingEventChange(row, input, Date.now());
    if (outcome instanceof DomainError) throw outcome;
    const e = outcome.event;
    await tctx.tx
      .insertInto('shipment_events')
      .values({
        id: newRowId(),
        shipment_id: row.id,
        organization_id: row.organization_id,
        event: e.event,
        date: e.date,
        message: e.message ?? null,
        location: e.location ?? null,
        city: e.city ?? null,
        country: e.country ?? null,
        client_id: tctx.actor?.clientId ?? null,
        request_id: tctx.requestId,
        created_at: now,
      })
      .execute();
    await tctx.tx.updateTable('shipments').set(outcome.set).where('id', '=', row.id).execute();
    const [record] = await readShipments(tctx.tx, { ids: [row.id] });
    const events = [shipmentEvent('shipment/shipping_event', record)];
    if (e.event === 'DELIVERED') events.push(shipmentEvent('shipment/delivered', record));
    await emitEvents(tctx, events);
    return record;
  });
}
