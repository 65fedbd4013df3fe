/**
 * Which suppliers a merchant's orders may be routed to: its default supplier and the suppliers an admin
 * connected to it (`ordergraph org connect`). Any other id is answered exactly as an id that does not exist, so
 * a merchant learns nothing about other tenants' organizations. `requireRoutableSupplier` is the one check every
 * routing path uses (an order's supplierId, a line's supplierId, a reroute).
 */
import type { Executor } from '../db/database.ts';
import { DomainError, badInput, notFound } from '../errors/domain-error.ts';
import { isoNow } from '../clock.ts';
import { findOrganization } from './organizations.ts';

/** The suppliers the merchant may route to: its default supplier and the ones connected to it. */
function routable(db: Executor, merchantId: string) {
  return db
    .selectFrom('organizations as s')
    .select(['s.id', 's.name'])
    .where('s.kind', '=', 'SUPPLIER')
    .where((eb) =>
      eb.or([
        eb.exists(eb.selectFrom('organizations as m').select('m.id').where('m.id', '=', merchantId).whereRef('m.default_supplier_id', '=', 's.id')),
        eb.exists(
          eb.selectFrom('supplier_connections as c').select('c.supplier_id').where('c.merchant_id', '=', merchantId).whereRef('c.supplier_id', '=', 's.id'),
        ),
      ]),
    );
}

/** NOT_FOUND unless `supplierId` is the merchant's default supplier or a supplier connected to it. */
export async function requireRoutableSupplier(db: Executor, merchantId: string, supplierId: string, field = 'supplierId'): Promise<void> {
  const found = await routable(db, merchantId).where('s.id', '=', supplierId).executeTakeFirst();
  if (!found) throw new DomainError('NOT_FOUND', `\`${field}\`: supplier ${JSON.stringify(supplierId)} was not found`, { field });
}

/** What a merchant's person may pick from when routing (the dashboard's reroute choice), by name. */
export async function routableSuppliers(db: Executor, merchantId: string): Promise<{ id: string; name: string }[]> {
  return routable(db, merchantId).orderBy('s.name').orderBy('s.id').execute();
}

/** Lets the merchant's orders be routed to the supplier; connecting twice changes nothing. */
export async function connectSupplier(db: Executor, merchantId: string, supplierId: string): Promise<{ created: boolean }> {
  const merchant = await findOrganization(db, merchantId);
  if (!merchant) throw notFound('organization', merchantId, 'merchant');
  if (merchant.kind !== 'MERCHANT') throw badInput('merchant', 'must be the id of a MERCHANT organization');
  const supplier = await findOrganization(db, supplierId);
  if (!supplier) throw notFound('organization', supplierId, 'supplier');
  if (supplier.kind !== 'SUPPLIER') throw badInput('supplier', 'must be the id of a SUPPLIER organization');
  const r = await db
    .insertInto('supplier_connections')
    .values({ merchant_id: merchantId, supplier_id: supplierId, created_at: isoNow() })
    .onConflict((oc) => oc.columns(['merchant_id', 'supplier_id']).doNothing())
    .executeTakeFirst();
  return { created: Number(r.numInsertedOrUpdatedRows ?? 0) > 0 };
}

/** The suppliers connected to each merchant (default suppliers not included unless connected too). */
export async function connectedSuppliers(db: Executor): Promise<Map<string, string[]>> {
  const rows = await db.selectFrom('supplier_connections').select(['merchant_id', 'supplier_id']).orderBy('created_at').orderBy('supplier_id').execute();
  const byMerchant = new Map<string, string[]>();
  for (const r of rows) byMerchant.set(r.merchant_id, [...(byMerchant.get(r.merchant_id) ?? []), r.supplier_id]);
  return byMerchant;
}
