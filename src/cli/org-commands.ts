/** `ordergraph org create|list|update|connect`: organizations and which suppliers a merchant may route to. */
import type { Command } from 'commander';
import { createOrganization, listOrganizations, updateOrganization, type Organization } from '../organizations/organizations.ts';
import { connectedSuppliers, connectSupplier } from '../organizations/supplier-routing.ts';
import { badInput } from '../errors/domain-error.ts';
import { print, withApp } from './admin-commands.ts';

function orgJson(o: Organization, connected?: string[]) {
  const out = { id: o.id, name: o.name, kind: o.kind, default_supplier_id: o.defaultSupplierId };
  return o.kind === 'MERCHANT' ? { ...out, connected_supplier_ids: connected ?? [] } : out;
}

export function registerOrgCommands(program: Command): void {
  const org = program.command('org').description('manage organizations');
  org
    .command('create')
    .description('create an organization')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--kind <kind>', 'MERCHANT or SUPPLIER')
    .option('--default-supplier <id>', 'for a merchant: the supplier its orders are routed to by default')
    .option('--json', 'machine-readable output')
    .action((o: { name: string; kind: string; defaultSupplier?: string; json?: boolean }) =>
      withApp(async (app) => {
        const created = await createOrganization(app.db.kysely, {
          name: o.name,
          kind: o.kind.toUpperCase(),
          defaultSupplierId: o.defaultSupplier,
        });
        const out = { id: created.id, name: created.name, kind: created.kind, default_supplier_id: created.defaultSupplierId };
        print(o.json, out, `organization ${out.id} (${out.kind}) "${out.name}" created`);
      }),
    );
  org
    .command('list')
    .description('list organizations, with the suppliers connected to each merchant')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) =>
      withApp(async (app) => {
        const connected = await connectedSuppliers(app.db.kysely);
        const rows = (await listOrganizations(app.db.kysely)).map((x) => orgJson(x, connected.get(x.id)));
        const line = (r: ReturnType<typeof orgJson>) =>
          `${r.id}  ${r.kind.padEnd(8)}  ${r.name}` +
          (r.default_supplier_id ? `  default supplier ${r.default_supplier_id}` : '') +
          ('connected_supplier_ids' in r && r.connected_supplier_ids.length ? `  connected ${r.connected_supplier_ids.join(', ')}` : '');
        print(o.json, rows, rows.map(line).join('\n') || '(no organizations)');
      }),
    );
  org
    .command('update')
    .description("rename an organization or change a merchant's default supplier")
    .argument('<id>')
    .option('--name <name>', 'new display name')
    .option('--default-supplier <id>', 'for a merchant: the supplier its orders are routed to by default ("none" clears it)')
    .option('--json', 'machine-readable output')
    .action((id: string, o: { name?: string; defaultSupplier?: string; json?: boolean }) =>
      withApp(async (app) => {
        if (o.name === undefined && o.defaultSupplier === undefined) throw badInput('name', 'or `defaultSupplierId` must be given: nothing to change');
        const defaultSupplierId = o.defaultSupplier === 'none' ? null : o.defaultSupplier;
        const updated = await updateOrganization(app.db.kysely, id, { name: o.name, defaultSupplierId });
        const out = orgJson(updated, (await connectedSuppliers(app.db.kysely)).get(id));
        print(o.json, out, `organization ${out.id} (${out.kind}) "${out.name}" updated`);
      }),
    );
  org
    .command('connect')
    .description("let a merchant's orders be routed to a supplier (besides its default supplier)")
    .requiredOption('--merchant <id>', 'the merchant organization')
    .requiredOption('--supplier <id>', 'the supplier organization')
    .option('--json', 'machine-readable output')
    .action((o: { merchant: string; supplier: string; json?: boolean }) =>
      withApp(async (app) => {
        const { created } = await connectSupplier(app.db.kysely, o.merchant, o.supplier);
        const out = { merchant_id: o.merchant, supplier_id: o.supplier, connected: true };
        print(o.json, out, `supplier ${o.supplier} ${created ? 'connected to' : 'was already connected to'} merchant ${o.merchant}`);
      }),
    );
}
