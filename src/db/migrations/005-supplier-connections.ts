/**
 * Suppliers an admin connected to a merchant (`ordergraph org connect`): besides its default supplier, the only
 * ones a merchant's orders may be routed to. Suppliers a merchant's orders already name are connected, so that
 * upgrading does not break an integration that routes to them today.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('supplier_connections')
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('supplier_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('supplier_connections_pk', ['merchant_id', 'supplier_id'])
    .execute();
  await sql`INSERT INTO supplier_connections (merchant_id, supplier_id, created_at)
    SELECT DISTINCT o.organization_id, o.supplier_id, ${new Date().toISOString()} FROM orders o
    JOIN organizations s ON s.id = o.supplier_id AND s.kind = 'SUPPLIER'
    JOIN organizations m ON m.id = o.organization_id
    WHERE m.default_supplier_id IS DISTINCT FROM o.supplier_id`.execute(db);
}
