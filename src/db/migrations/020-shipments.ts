/**
 * Shipments (SPEC §8): one parcel of a delivery order, with the items and quantities in it and the carrier's
 * events. A shipment's creation is a history row of its order and delivery order (order_events); its carrier
 * events are its own history (shipment_events: who recorded what, when). Lines count shipped units in
 * `order_lines.fulfilled_quantity` (migration 006), so "what is left to ship" is read from the line, not summed.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('shipments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('delivery_order_id', 'text', (c) => c.notNull().references('delivery_orders.id'))
    // The delivery order's number (fixed for life): the fulfiller dialect reads shipments by it.
    .addColumn('delivery_order_number', 'integer', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    // The merchant organization (tenant) and the supplier that shipped it, for access checks without a join.
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('supplier_id', 'text', (c) => c.notNull())
    .addColumn('carrier', 'text')
    .addColumn('method', 'text')
    .addColumn('tracking_number', 'text')
    .addColumn('tracking_url', 'text')
    .addColumn('reference', 'text')
    .addColumn('weight', 'real')
    .addColumn('shipped_at', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('last_event', 'text', (c) => c.notNull())
    .addColumn('last_event_at', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('shipments_order').on('shipments').columns(['order_id', 'created_at']).execute();
  await db.schema.createIndex('shipments_delivery_order').on('shipments').columns(['delivery_order_number', 'created_at']).execute();

  await db.schema
    .createTable('shipment_items')
    .addColumn('shipment_id', 'text', (c) => c.notNull())
    .addColumn('line_id', 'integer', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('shipment_items_pk', ['shipment_id', 'line_id'])
    .execute();

  await db.schema
    .createTable('shipment_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('shipment_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('location', 'text')
    .addColumn('city', 'text')
    .addColumn('country', 'text')
    .addColumn('client_id', 'text')
    .addColumn('request_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('shipment_events_shipment').on('shipment_events').columns(['shipment_id', 'date']).execute();
}
