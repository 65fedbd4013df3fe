/** OAuth clients: one organization each, a set of scopes, and the organizations they may act on. */
import { randomBytes } from 'node:crypto';
import { badInput, notFound } from '../errors/domain-error.ts';
import type { Executor } from '../db/database.ts';
import { findOrganization } from '../organizations/organizations.ts';
import { generateSecret, hashSecret } from './client-secrets.ts';
import { isScope, parseScopes } from './scopes.ts';
import { isoNow } from '../clock.ts';

export interface Client {
  clientId: string;
  organizationId: string;
  name: string;
  scopes: string[];
  /** Organizations besides its own. */
  access: string[];
  revoked: boolean;
  secretHash: string;
}

export interface CreatedClient {
  client_id: string;
  client_secret: string;
  org_id: string;
  name: string;
  scopes: string[];
  access: string[];
}

export async function createClient(
  db: Executor,
  input: { organizationId: string; name: string; scopes: string; access?: string[] },
): Promise<CreatedClient> {
  if (!input.name?.trim()) throw badInput('name', 'must not be empty');
  const org = await findOrganization(db, input.organizationId);
  if (!org) throw notFound('organization', input.organizationId);
  const scopes = parseScopes(input.scopes ?? '');
  if (scopes.length === 0) throw badInput('scopes', 'must list at least one scope');
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length) throw badInput('scopes', `contains unknown scope(s): ${unknown.join(', ')}`);
  const access = [...new Set((input.access ?? []).filter((id) => id && id !== org.id))];
  for (const id of access) if (!(await findOrganization(db, id))) throw notFound('organization', id);

  const clientId = `og_${randomBytes(12).toString('hex')}`;
  const secret = generateSecret();
  await db
    .insertInto('clients')
    .values({
      id: clientId,
      organization_id: org.id,
      name: input.name.trim(),
      secret_hash: hashSecret(secret),
      scopes: scopes.join(' '),
      access: JSON.stringify(access),
      revoked_at: null,
      created_at: isoNow(),
    })
    .execute();
  return { client_id: clientId, client_secret: secret, org_id: org.id, name: input.name.trim(), scopes, access };
}

function toClient(row: {
  id: string;
  organization_id: string;
  name: string;
  scopes: string;
  access: string;
  revoked_at: string | null;
  secret_hash: string;
}): Client {
  return {
    clientId: row.id,
    organizationId: row.organization_id,
    name: row.name,
    scopes: parseScopes(row.scopes),
    access: JSON.parse(row.access) as string[],
    revoked: row.revoked_at !== null,
    secretHash: row.secret_hash,
  };
}

export async function findClient(db: Executor, clientId: string): Promise<Client | undefined> {
  const row = await db.selectFrom('clients').selectAll().where('id', '=', clientId).executeTakeFirst();
  return row && toClient(row);
}

export async function listClients(db: Executor, organizationId?: string): Promise<Client[]> {
  let q = db.selectFrom('clients').selectAll().orderBy('created_at');
  if (organizationId) q = q.where('organization_id', '=', organizationId);
  return (await q.execute()).map(toClient);
}

/** Revokes a client: its tokens stop working within a second on every node (auth/token-service.ts polls revocations). */
export async function revokeClient(db: Executor, clientId: string): Promise<boolean> {
  const res = await db
    .updateTable('clients')
    .set({ revoked_at: isoNow() })
    .where('id', '=', clientId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
