/** Organizations: merchants (KornitX's dropship companies) and suppliers (fulfillers). */
import { randomUUID } from 'node:crypto';
import { badInput, notFound } from '../errors/domain-error.ts';
import type { Executor } from '../db/database.ts';
import { isoNow } from '../clock.ts';

export type OrganizationKind = 'MERCHANT' | 'SUPPLIER';

export interface Organization {
  id: string;
  name: string;
  kind: OrganizationKind;
  defaultSupplierId: string | null;
}

export async function createOrganization(
  db: Executor,
  input: { name: string; kind: string; defaultSupplierId?: string | null },
): Promise<Organization> {
  const name = input.name?.trim();
  if (!name) throw badInput('name', 'must not be empty');
  if (input.kind !== 'MERCHANT' && input.kind !== 'SUPPLIER') throw badInput('kind', 'must be MERCHANT or SUPPLIER');
  if (input.defaultSupplierId && input.kind !== 'MERCHANT') throw badInput('defaultSupplierId', 'can only be set on a MERCHANT organization');
  if (input.defaultSupplierId) await requireSupplier(db, input.defaultSupplierId, 'defaultSupplierId');
  const org: Organization = {
    id: randomUUID(),
    name,
    kind: input.kind,
    defaultSupplierId: input.defaultSupplierId ?? null,
  };
  await db
    .insertInto('organizations')
    .values({
      id: org.id,
      name: org.name,
      kind: org.kind,
      default_supplier_id: org.defaultSupplierId,
      created_at: isoNow(),
    })
    .execute();
  return org;
}

/** Renames an organization or changes a merchant's default supplier (null clears it); only the fields given. */
export async function updateOrganization(
  db: Executor,
  id: string,
  changes: { name?: string; defaultSupplierId?: string | null },
): Promise<Organization> {
  const org = await findOrganization(db, id);
  if (!org) throw notFound('organization', id);
  const name = changes.name === undefined ? org.name : changes.name.trim();
  if (!name) throw badInput('name', 'must not be empty');
  let defaultSupplierId = org.defaultSupplierId;
  if (changes.defaultSupplierId !== undefined) {
    if (changes.defaultSupplierId !== null && org.kind !== 'MERCHANT') {
      throw badInput('defaultSupplierId', 'can only be set on a MERCHANT organization');
    }
    if (changes.defaultSupplierId) await requireSupplier(db, changes.defaultSupplierId, 'defaultSupplierId');
    defaultSupplierId = changes.defaultSupplierId;
  }
  await db.updateTable('organizations').set({ name, default_supplier_id: defaultSupplierId }).where('id', '=', id).execute();
  return { ...org, name, defaultSupplierId };
}

export async function listOrganizations(db: Executor): Promise<Organization[]> {
  const rows = await db.selectFrom('organizations').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((row) => ({ id: row.id, name: row.name, kind: row.kind, defaultSupplierId: row.default_supplier_id }));
}

export async function findOrganization(db: Executor, id: string): Promise<Organization | undefined> {
  const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, name: row.name, kind: row.kind, defaultSupplierId: row.default_supplier_id };
}

export async function requireSupplier(db: Executor, id: string, field: string): Promise<Organization> {
  const org = await findOrganization(db, id);
  // One answer for unknown ids and other kinds, so another tenant's organization ids can't be probed.
  if (!org || org.kind !== 'SUPPLIER') throw badInput(field, 'must be the id of an existing SUPPLIER organization');
  return org;
}
