/** The initial schema. Every tenant-owned table carries organization_id and is indexed on it. */
import { type Kysely, sql } from 'kysely';
import type { DbKind } from '../database.ts';

export async function up(db: Kysely<any>, kind: DbKind): Promise<void> {
  // An integer key the database assigns: SQLite's rowid alias, PostgreSQL's serial.
  const serialPk = kind === 'postgres' ? ('serial' as const) : ('integer' as const);
  const serial = (col: any) => (kind === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement());

  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('default_supplier_id', 'text', (c) => c.references('organizations.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('access', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
    .execute();

  await db.schema
    .createTable('revoked_tokens')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('revoked_tokens_revoked_at').on('revoked_tokens').column('revoked_at').execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', serialPk, (c) => c.notNull().unique())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('supplier_id', 'text', (c) => c.references('organizations.id'))
    .addColumn('external_reference', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('invoice_number', 'text')
    .addColumn('type', 'text')
    .addColumn('dispatching_type', 'text')
    .addColumn('priority', 'text')
    .addColumn('inventory_policy', 'text')
    .addColumn('total', 'double precision')
    .addColumn('total_tax_inclusive', 'double precision')
    .addColumn('total_shipping', 'double precision')
    .addColumn('currency', 'text')
    .addColumn('issued_at', 'text')
    .addColumn('delivery', 'text')
    .addColumn('comment', 'text')
    .addColumn('shipping_carrier', 'text')
    .addColumn('shipping_method', 'text')
    .addColumn('shipping_tracking', 'text')
    .addColumn('locked', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('orders_org_external_reference')
    .on('orders')
    .columns(['organization_id', 'external_reference'])
    .unique()
    .execute();
  await db.schema.createIndex('orders_org_created').on('orders').columns(['organization_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('orders_supplier_updated').on('orders').columns(['supplier_id', 'updated_at']).execute();

  await db.schema
    .createTable('order_lines')
    .addColumn('id', serialPk, serial)
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('sku', 'text')
    .addColumn('label', 'text')
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('price', 'double precision')
    .addColumn('vat_rate', 'double precision')
    .addColumn('status', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('order_lines_order').on('order_lines').columns(['order_id', 'position']).execute();

  await db.schema
    .createTable('order_events')
    .addColumn('id', serialPk, serial)
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('request_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('changes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('order_events_order').on('order_events').columns(['order_id', 'id']).execute();

  await db.schema
    .createTable('dispatchable_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('request_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute();
  await db.schema.createIndex('dispatchable_requests_order').on('dispatchable_requests').column('order_id').execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', serialPk, serial)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('queue_key', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .addColumn('locked_by', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  // Partial indexes keep the claim query's scans to live jobs only, however long the history grows.
  await sql`CREATE INDEX jobs_queued ON jobs (run_at, id) WHERE state = 'queued'`.execute(db);
  await sql`CREATE INDEX jobs_queue_key ON jobs (queue_key, id) WHERE state = 'queued'`.execute(db);

  await db.schema
    .createTable('outbox_events')
    .addColumn('id', serialPk, serial)
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('outbox_events_org').on('outbox_events').columns(['organization_id', 'id']).execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('response', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['client_id', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute();

  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhooks_org').on('webhooks').column('organization_id').execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('webhook_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'integer', (c) => c.notNull())
    .addColumn('job_id', 'integer', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('success', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_deliveries_webhook').on('webhook_deliveries').columns(['webhook_id', 'created_at']).execute();
}
