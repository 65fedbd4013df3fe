/**
 * People who sign in to the dashboard: each belongs to one organization and has a role. A role stands for a set of
 * the existing OAuth scopes (for the organization's kind), so the dashboard acts with exactly the rights an API
 * client of that organization with those scopes would have.
 */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { UserTable } from '../db/tables.ts';
import { badInput, DomainError, notFound } from '../errors/domain-error.ts';
import { findOrganization, type OrganizationKind } from '../organizations/organizations.ts';
import type { Scope } from '../auth/scopes.ts';
import { checkPasswordRules, generatePassword, hashPassword } from './passwords.ts';
import { endSessionsOf } from './sessions.ts';
import { isoNow } from '../clock.ts';

export const ROLES = ['admin', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
export type UserRow = Selectable<UserTable>;

/**
 * The scopes a role carries in an organization of this kind. `admin` (the scope) is never given to a person.
 * Viewers read orders, their delivery orders and shipments; operators also change them (edit, reroute a rejected
 * delivery order, record parcels; a supplier moves, rejects and ships its delivery orders); admins also manage
 * the organization's integrations.
 */
const MERCHANT_VIEW: Scope[] = ['view_orders', 'view_delivery_orders', 'view_shipments'];
const MERCHANT_EDIT: Scope[] = [...MERCHANT_VIEW, 'create_orders', 'edit_orders', 'edit_delivery_orders', 'create_shipments', 'edit_shipments'];
const SUPPLIER_VIEW: Scope[] = ['order-it.order-manager.view', 'view_shipments'];
const SUPPLIER_EDIT: Scope[] = [...SUPPLIER_VIEW, 'order-it.order-manager.edit', 'create_shipments', 'edit_shipments'];
const ROLE_SCOPES: Record<OrganizationKind, Record<Role, Scope[]>> = {
  MERCHANT: { viewer: MERCHANT_VIEW, operator: MERCHANT_EDIT, admin: [...MERCHANT_EDIT, 'edit_integrations'] },
  SUPPLIER: { viewer: SUPPLIER_VIEW, operator: SUPPLIER_EDIT, admin: [...SUPPLIER_EDIT, 'edit_integrations'] },
};

export function roleScopes(kind: OrganizationKind, role: Role): Scope[] {
  return ROLE_SCOPES[kind][role];
}

export interface UserView {
  id: string;
  organizationId: string;
  email: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

export function userView(row: UserRow): UserView {
  return { id: row.id, organizationId: row.organization_id, email: row.email, role: row.role, disabled: row.disabled_at !== null, createdAt: row.created_at };
}

function parseEmail(value: unknown): string {
  const email = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) throw badInput('email', 'must be an email address like name@example.com');
  return email;
}

function parseRole(value: unknown): Role {
  if (!ROLES.includes(value as Role)) throw badInput('role', `must be one of ${ROLES.join(', ')}`);
  return value as Role;
}

/** Creates a user; without a password one is generated and returned (it is shown once and never stored). */
export async function createUser(
  db: Executor,
  input: { organizationId: string; email: unknown; role: unknown; password?: string | null },
): Promise<{ user: UserView; generatedPassword?: string }> {
  const email = parseEmail(input.email);
  const role = parseRole(input.role);
  const generated = input.password ? undefined : generatePassword();
  const password = input.password || generated!;
  checkPasswordRules(password);
  if (!(await findOrganization(db, input.organizationId))) throw notFound('organization', input.organizationId, 'organizationId');
  if (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()) {
    throw badInput('email', 'is already taken by another user');
  }
  const row: UserRow = {
    id: randomUUID(),
    organization_id: input.organizationId,
    email,
    role,
    password_hash: await hashPassword(password),
    disabled_at: null,
    created_at: isoNow(),
  };
  await db.insertInto('users').values(row).execute();
  return { user: userView(row), generatedPassword: generated };
}

export async function listUsers(db: Executor, organizationId?: string): Promise<UserView[]> {
  let q = db.selectFrom('users').selectAll().orderBy('organization_id').orderBy('email');
  if (organizationId) q = q.where('organization_id', '=', organizationId);
  return (await q.execute()).map(userView);
}

export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
}

/**
 * Disables a user (by id or email, within `organizationId` when given) and ends every session of theirs at once,
 * on every node: sessions are read from the database on each request.
 */
export async function disableUser(db: Executor, who: string, organizationId?: string): Promise<UserView> {
  let q = db.selectFrom('users').selectAll().where((eb) => eb.or([eb('id', '=', who), eb('email', '=', who.trim().toLowerCase())]));
  if (organizationId) q = q.where('organization_id', '=', organizationId);
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('user', who);
  const now = isoNow();
  if (row.disabled_at === null) await db.updateTable('users').set({ disabled_at: now }).where('id', '=', row.id).execute();
  await endSessionsOf(db, row.id);
  return userView({ ...row, disabled_at: row.disabled_at ?? now });
}

/** People and API clients of an organization are managed by its admins only. */
export function requireOrganizationAdmin(user: Pick<UserRow, 'role'>): void {
  if (user.role !== 'admin') throw new DomainError('FORBIDDEN', 'only an admin of the organization may manage its users and API clients');
}
