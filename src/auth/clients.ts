/** OAuth clients: one organization each, a set of scopes, and the organizations they may act on. */
import { randomBytes } from 'node:crypto';
import { badInput, notFound } from '../errors/domain-error.ts';
import type { Executor } from '../db/database.ts';
import { compiledQuery, type Params } from '../db/compiled-query.ts';
import { findOrganization } from '../organizations/organizations.ts';
import { generateSecret, hashSecret } from './client-secrets.ts';
import { isScope, parseScopes, SCOPES } from './scopes.ts';
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

/** The scopes of a space-separated list, every one known; the error lists the valid ones. */
function checkScopes(value: string): string[] {
  const scopes = parseScopes(value);
  if (scopes.length === 0) throw badInput('scopes', 'must list at least one scope');
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length) throw badInput('scopes', `contains unknown scope(s): ${unknown.join(', ')}; valid scopes: ${SCOPES.join(' ')}`);
  return scopes;
}

/** Existing organizations other than the client's own, without duplicates. */
async function checkAccess(db: Executor, ownOrgId: string, ids: string[]): Promise<string[]> {
  const access = [...new Set(ids.filter((id) => id && id !== ownOrgId))];
  for (const id of access) if (!(await findOrganization(db, id))) throw notFound('organization', id, 'access');
  return access;
}

/** Changes a client's scopes and/or the organizations it may access; tokens already issued keep theirs until they expire. */
export async function updateClient(db: Executor, clientId: string, input: { scopes?: string; access?: string[] }): Promise<Client> {
  const client = await findClient(db, clientId);
  if (!client) throw notFound('client', clientId);
  const set: { scopes?: string; access?: string } = {};
  if (input.scopes !== undefined) set.scopes = checkScopes(input.scopes).join(' ');
  if (input.access !== undefined) set.access = JSON.stringify(await checkAccess(db, client.organizationId, input.access));
  if (Object.keys(set).length === 0) throw badInput('scopes', 'or `access` must be given: nothing to change');
  await db.updateTable('clients').set(set).where('id', '=', clientId).execute();
  return (await findClient(db, clientId))!;
}

export async function createClient(
  db: Executor,
  input: { organizationId: string; name: string; scopes: string; access?: string[] },
): Promise<CreatedClient> {
  if (!input.name?.trim()) throw badInput('name', 'must not be empty');
  const org = await findOrganization(db, input.organizationId);
  if (!org) throw notFound('organization', input.organizationId, 'organizationId');
  const scopes = checkScopes(input.scopes ?? '');
  const access = await checkAccess(db, org.id, input.access ?? []);

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

/** Compiled once: every token request reads its client. */
const clientById = compiledQuery((db, p: Params<{ id: string }>) => db.selectFrom('clients').selectAll().where('id', '=', p.id));

export async function findClient(db: Executor, clientId: string): Promise<Client | undefined> {
  const { rows } = await clientById.execute(db, { id: clientId });
  return rows[0] && toClient(rows[0]);
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
