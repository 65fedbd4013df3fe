/**
 * Delivery orders (SPEC §8): one supplier's part of an opened order, with its own number, state, status and
 * version. Lines belong to one delivery order once opened; history rows of a delivery order's changes carry its
 * id (the order's history holds them too, so an order's version stays its number of history rows).
 *
 * Existing opened orders become one delivery order each, numbered with the order's number, carrying the order's
 * status, shipping fields and history, so fulfiller ids and versions are unchanged.
 */
import { type Kysely, sql } from 'kysely';
import type { DbKind } from '../database.ts';

export async function up(db: Kysely<any>, kind: DbKind): Promise<void> {
  await db.schema
    .createTable('delivery_orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'integer', (c) => c.notNull().unique())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('supplier_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('locked', 'integer', (c) => c.notNull())
    .addColumn('shipping_carrier', 'text')
    .addColumn('shipping_method', 'text')
    .addColumn('shipping_tracking', 'text')
    .addColumn('reason', 'text')
    .addColumn('reason_code', 'text')
    .addColumn('rerouted_to', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('delivery_orders_order').on('delivery_orders').column('order_id').execute();
  // The fulfiller's listing: its delivery orders by last change (as orders_supplier_updated was for orders).
  await db.schema.createIndex('delivery_orders_supplier_updated').on('delivery_orders').columns(['supplier_id', 'updated_at']).execute();

  await db.schema.alterTable('order_lines').addColumn('delivery_order_id', 'text').execute();
  await db.schema.alterTable('order_lines').addColumn('supplier_id', 'text').execute();
  await db.schema.alterTable('order_lines').addColumn('fulfilled_quantity', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('order_events').addColumn('delivery_order_id', 'text').execute();

  const uuid =
    kind === 'postgres'
      ? sql`gen_random_uuid()::text`
      : sql`lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-8' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`;
  await sql`INSERT INTO delivery_orders (id, number, order_id, organization_id, supplier_id, state, status, locked,
      shipping_carrier, shipping_method, shipping_tracking, version, created_at, updated_at)
    SELECT ${uuid}, number, id, organization_id, supplier_id,
      CASE WHEN state = 'COMPLETED' OR status IN (8, 64, 128) THEN 'COMPLETED' WHEN status IN (0, 1, 512) THEN 'PENDING' ELSE 'OPENED' END,
      status, locked, shipping_carrier, shipping_method, shipping_tracking, version, created_at, updated_at
    FROM orders WHERE state <> 'DRAFT' AND supplier_id IS NOT NULL`.execute(db);
  await sql`UPDATE order_lines SET delivery_order_id = (SELECT d.id FROM delivery_orders d WHERE d.order_id = order_lines.order_id),
      fulfilled_quantity = CASE WHEN status = 'FULFILLED' THEN quantity ELSE 0 END
    WHERE order_id IN (SELECT order_id FROM delivery_orders)`.execute(db);
  await sql`UPDATE order_events SET delivery_order_id = (SELECT d.id FROM delivery_orders d WHERE d.order_id = order_events.order_id)
    WHERE order_id IN (SELECT order_id FROM delivery_orders)`.execute(db);
}
