/**
 * `ordergraph client create|list|update|revoke`. Lists (`--scopes`, `--access`) take spaces or commas alike;
 * errors name the flag the user typed, not an internal field (main.ts).
 */
import type { Command } from 'commander';
import { createClient, listClients, revokeClient, updateClient, type Client } from '../auth/clients.ts';
import { DomainError } from '../errors/domain-error.ts';
import { findOrganization } from '../organizations/organizations.ts';
import type { Executor } from '../db/database.ts';
import { print, warn, withApp } from './admin-commands.ts';

/** A list flag's values: separated by spaces, commas or both. */
export const listValues = (value: string | undefined): string[] => (value ?? '').split(/[\s,]+/).filter(Boolean);

/** A supplier client that may access no merchant sees no orders on the Fulfiller API: say so. */
async function supplierWithoutMerchant(db: Executor, orgId: string, access: string[]): Promise<string | undefined> {
  const org = await findOrganization(db, orgId);
  if (org?.kind !== 'SUPPLIER') return undefined;
  for (const id of access) if ((await findOrganization(db, id))?.kind === 'MERCHANT') return undefined;
  return 'warning: this supplier client may access no merchant, so it sees no orders; give it one with --access MERCHANT_ORG_ID';
}

const row = (c: Client) => ({
  client_id: c.clientId,
  org_id: c.organizationId,
  name: c.name,
  status: c.revoked ? 'revoked' : 'active',
  revoked: c.revoked,
  scopes: c.scopes,
  access: c.access,
});

/** Columns padded to their widest cell, under a header row. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}

export function registerClientCommands(program: Command): void {
  const client = program.command('client').description('manage OAuth clients');
  client
    .command('create')
    .description('create an OAuth client; the secret is shown once')
    .requiredOption('--org <id>', 'the organization the client belongs to')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--scopes <scopes>', 'scopes, separated by spaces or commas')
    .option('--access <ids>', 'organizations the client may act on besides its own, separated by spaces or commas')
    .option('--json', 'machine-readable output')
    .action((o: { org: string; name: string; scopes: string; access?: string; json?: boolean }) =>
      withApp(async (app) => {
        const c = await createClient(app.db.kysely, { organizationId: o.org, name: o.name, scopes: listValues(o.scopes).join(' '), access: listValues(o.access) });
        const warning = await supplierWithoutMerchant(app.db.kysely, c.org_id, c.access);
        if (warning) warn(warning);
        const out = { client_id: c.client_id, client_secret: c.client_secret, org_id: c.org_id, scopes: c.scopes, access: c.access };
        print(o.json, out, `client_id:     ${c.client_id}\nclient_secret: ${c.client_secret}   (shown once)\nscopes:        ${c.scopes.join(' ')}`);
      }),
    );
  client
    .command('list')
    .description('list OAuth clients')
    .option('--org <id>', "only this organization's clients")
    .option('--json', 'machine-readable output')
    .action((o: { org?: string; json?: boolean }) =>
      withApp(async (app) => {
        const rows = (await listClients(app.db.kysely, o.org)).map(row);
        const text = table([
          ['CLIENT_ID', 'ORG_ID', 'STATUS', 'NAME', 'SCOPES'],
          ...rows.map((c) => [c.client_id, c.org_id, c.status, c.name, c.scopes.join(' ')]),
        ]);
        print(o.json, rows, rows.length ? text : '(no clients)');
      }),
    );
  client
    .command('update')
    .description("change a client's scopes and/or access; tokens already issued keep theirs until they expire")
    .argument('<client_id>')
    .option('--scopes <scopes>', 'the new scopes (replace the old), separated by spaces or commas')
    .option('--access <ids>', 'the organizations it may act on besides its own (replace the old); "" for none')
    .option('--json', 'machine-readable output')
    .action((clientId: string, o: { scopes?: string; access?: string; json?: boolean }) =>
      withApp(async (app) => {
        const c = await updateClient(app.db.kysely, clientId, { scopes: o.scopes, access: o.access === undefined ? undefined : listValues(o.access) });
        const warning = await supplierWithoutMerchant(app.db.kysely, c.organizationId, c.access);
        if (warning) warn(warning);
        print(o.json, row(c), `client ${c.clientId} updated: scopes ${c.scopes.join(' ')}; access ${c.access.join(' ') || '(own organization only)'}`);
      }),
    );
  client
    .command('revoke')
    .description('revoke a client: its tokens stop working within a second')
    .argument('<client_id>')
    .option('--json', 'machine-readable output')
    .action((clientId: string, o: { json?: boolean }) =>
      withApp(async (app) => {
        const revoked = await revokeClient(app.db.kysely, clientId);
        if (!revoked) throw new DomainError('NOT_FOUND', `no live client ${clientId}`);
        print(o.json, { client_id: clientId, revoked: true }, `client ${clientId} revoked`);
      }),
    );
}
