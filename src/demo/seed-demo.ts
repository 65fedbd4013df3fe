/**
 * The demo (SPEC §1): a merchant whose default supplier is the demo supplier, a client for each, and DRAFT and
 * OPENED orders with lines. Written to DATA_DIR/demo.json so its credentials can be found again.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Services } from '../context.ts';
import { systemCtx } from '../context.ts';
import { createOrganization } from '../organizations/organizations.ts';
import { createClient } from '../auth/clients.ts';
import { createOrder } from '../orders/order-commands.ts';
import { createUser } from '../users/users.ts';
import { enableSandbox } from '../sandbox/sandbox-suppliers.ts';

/** A few unhappy turns that still end DELIVERED, so the demo shows notes and parcels without losing orders. */
const DEMO_SANDBOX_FAULTS = 'hold=0.1,qc=0.1,partial=0.3';

type Login = { email: string; password: string };

export interface Demo {
  merchant: { org_id: string; client_id: string; client_secret: string; user: Login };
  supplier: { org_id: string; client_id: string; client_secret: string; user: Login };
  orders: { id: string; number: number; state: 'DRAFT' | 'OPENED' }[];
}

const DEMO_ORDERS = [
  { externalReference: 'DEMO-1001', state: 'DRAFT', sku: 'TSHIRT-BLK-M', label: 'T-shirt black M', quantity: 2, price: 19.9 },
  { externalReference: 'DEMO-1002', state: 'DRAFT', sku: 'MUG-WHT', label: 'Mug white', quantity: 1, price: 12.5 },
  { externalReference: 'DEMO-1003', state: 'OPENED', sku: 'HOODIE-GRY-L', label: 'Hoodie grey L', quantity: 1, price: 49 },
  { externalReference: 'DEMO-1004', state: 'OPENED', sku: 'POSTER-A2', label: 'Poster A2', quantity: 3, price: 15 },
] as const;

/**
 * `sandbox` (config `ORDERGRAPH_SANDBOX`, on by default): the demo supplier is simulated (SPEC §12) once the demo
 * orders are seeded, so every order opened from then on walks to DELIVERED by itself, while the seeded OPENED ones
 * wait for the README's hand-driven fulfiller and shipments tours.
 */
export async function seedDemo(services: Services, dataDir: string, opts: { sandbox: boolean }): Promise<Demo> {
  const db = services.db.kysely;
  const supplierOrg = await createOrganization(db, { name: 'Demo Print Shop', kind: 'SUPPLIER' });
  const merchantOrg = await createOrganization(db, { name: 'Demo Merchant', kind: 'MERCHANT', defaultSupplierId: supplierOrg.id });
  const merchant = await createClient(db, {
    organizationId: merchantOrg.id,
    name: 'Demo merchant client',
    scopes: 'view_orders create_orders edit_orders edit_integrations view_delivery_orders edit_delivery_orders view_shipments create_shipments edit_shipments',
  });
  const supplier = await createClient(db, {
    organizationId: supplierOrg.id,
    name: 'Demo supplier client',
    scopes: 'order-it.order-manager.view order-it.order-manager.edit view_shipments create_shipments edit_shipments',
    access: [merchantOrg.id],
  });
  const ctx = {
    ...systemCtx(services, 'demo'),
    actor: {
      clientId: merchant.client_id,
      organizationId: merchantOrg.id,
      organizationIds: new Set([merchantOrg.id]),
      scopes: new Set(merchant.scopes),
    },
  };
  const orders: Demo['orders'] = [];
  // Numbers are unique across tenants, so the suffix keeps a re-run's references apart.
  for (const o of DEMO_ORDERS) {
    const order = await createOrder(ctx, {
      externalReference: `${o.externalReference}-${merchantOrg.id.slice(0, 8)}`,
      state: o.state,
      currency: 'EUR',
      priority: 'NORMAL',
      total: o.price * o.quantity,
      delivery: { type: 'PERSON', fullname: 'Jane Doe', email: 'jane.doe@example.com', address: '456 Rue de Rivoli', zipcode: '75004', city: 'Paris', country: 'FR', phone: '+33698765432' },
      lines: [{ sku: o.sku, label: o.label, quantity: o.quantity, price: o.price, vatRate: 20 }],
    });
    orders.push({ id: order.id, number: order.number, state: order.state as 'DRAFT' | 'OPENED' });
  }
  if (opts.sandbox) await enableSandbox(db, supplierOrg.id, { faults: DEMO_SANDBOX_FAULTS });
  // Dashboard sign-ins (admins, so every page shows); the org prefix keeps a re-run's emails apart.
  const login = async (organizationId: string, who: string): Promise<Login> => {
    const { user, generatedPassword } = await createUser(db, { organizationId, email: `${who}+${organizationId.slice(0, 8)}@example.com`, role: 'admin' });
    return { email: user.email, password: generatedPassword! };
  };
  const demo: Demo = {
    merchant: { org_id: merchantOrg.id, client_id: merchant.client_id, client_secret: merchant.client_secret, user: await login(merchantOrg.id, 'merchant') },
    supplier: { org_id: supplierOrg.id, client_id: supplier.client_id, client_secret: supplier.client_secret, user: await login(supplierOrg.id, 'supplier') },
    orders,
  };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'demo.json'), `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  return demo;
}

/** Seeds the demo on an embedded database that has no organization yet; undefined when it already has one. */
export async function seedDemoIfFirstStart(services: Services, dataDir: string, opts: { sandbox: boolean }): Promise<Demo | undefined> {
  const any = await services.db.kysely.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
  if (any) return undefined;
  return seedDemo(services, dataDir, opts);
}
