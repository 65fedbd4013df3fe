/** One-shot commands: migrate, org, client, keys, demo. Each prints text, or JSON with --json. */
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openApp, type App } from '../open-app.ts';
import { registerOrgCommands } from './org-commands.ts';
import { createClient, listClients, revokeClient } from '../auth/clients.ts';
import { rotateSigningKeys } from '../auth/signing-keys.ts';
import { seedDemo } from '../demo/seed-demo.ts';

export async function withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp(loadConfig());
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

export function print(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

export function registerAdminCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply pending migrations and exit')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) =>
      withApp(async (app) => print(o.json, { ok: true, database: app.db.kind }, `migrations applied (${app.db.kind}: ${app.db.location})`)),
    );

  registerOrgCommands(program);

  const client = program.command('client').description('manage OAuth clients');
  client
    .command('create')
    .description('create an OAuth client; the secret is shown once')
    .requiredOption('--org <id>', 'the organization the client belongs to')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--scopes <scopes>', 'space-separated scopes')
    .option('--access <ids>', 'comma-separated organizations the client may act on besides its own')
    .option('--json', 'machine-readable output')
    .action((o: { org: string; name: string; scopes: string; access?: string; json?: boolean }) =>
      withApp(async (app) => {
        const c = await createClient(app.db.kysely, {
          organizationId: o.org,
          name: o.name,
          scopes: o.scopes,
          access: o.access ? o.access.split(',').map((s) => s.trim()).filter(Boolean) : [],
        });
        const out = { client_id: c.client_id, client_secret: c.client_secret, org_id: c.org_id, scopes: c.scopes, access: c.access };
        print(o.json, out, `client_id:     ${c.client_id}\nclient_secret: ${c.client_secret}   (shown once)\nscopes:        ${c.scopes.join(' ')}`);
      }),
    );
  client
    .command('list')
    .description('list OAuth clients')
    .option('--org <id>', 'only this organization\'s clients')
    .option('--json', 'machine-readable output')
    .action((o: { org?: string; json?: boolean }) =>
      withApp(async (app) => {
        const rows = (await listClients(app.db.kysely, o.org)).map((c) => ({
          client_id: c.clientId,
          org_id: c.organizationId,
          name: c.name,
          scopes: c.scopes,
          access: c.access,
          revoked: c.revoked,
        }));
        print(o.json, rows, rows.map((c) => `${c.client_id}  ${c.org_id}  ${c.revoked ? 'REVOKED ' : ''}${c.name}  [${c.scopes.join(' ')}]`).join('\n') || '(no clients)');
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
        if (!revoked) throw new Error(`no live client ${clientId}`);
        print(o.json, { client_id: clientId, revoked: true }, `client ${clientId} revoked`);
      }),
    );

  program
    .command('keys')
    .description('manage JWT signing keys')
    .command('rotate')
    .description('add a new signing key; the previous one stays valid for tokens already issued')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) =>
      withApp(async (app) => {
        const kid = await rotateSigningKeys(app.db.kysely);
        print(o.json, { kid }, `new signing key ${kid}`);
      }),
    );

  program
    .command('demo')
    .description('seed a demo merchant, supplier, clients and orders; writes DATA_DIR/demo.json')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) =>
      withApp(async (app) => {
        const demo = await seedDemo(app.services, app.config.dataDir);
        print(o.json, demo, JSON.stringify(demo, null, 2));
      }),
    );
}
