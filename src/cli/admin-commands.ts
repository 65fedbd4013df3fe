/** One-shot commands: migrate, org, client, keys, demo. Each prints text, or JSON with --json. */
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openApp, type App } from '../open-app.ts';
import { currentIo } from './cli-output.ts';
import { registerOrgCommands } from './org-commands.ts';

export async function withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp(loadConfig(currentIo().env));
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

export function print(json: boolean | undefined, value: unknown, text: string): void {
  currentIo().stdout(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

/** A line for the person at the terminal (stderr), whatever the output format. */
export function warn(text: string): void {
  currentIo().stderr(`${text}\n`);
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

  program
    .command('keys')
    .description('manage JWT signing keys')
    .command('rotate')
    .description('add a new signing key; older keys stay valid until the last token they signed has expired')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) =>
      withApp(async (app) => {
        // Loaded on demand, like the demo's modules below: tests run `org create` and `client create` hundreds of
        // times, and every module loaded costs CPU at each start.
        const { rotateSigningKeys } = await import('../auth/signing-keys.ts');
        const r = await rotateSigningKeys(app.db.kysely);
        const kept = r.kept.length ? `; kept until their tokens expire: ${r.kept.join(', ')}` : '';
        const retired = r.retired.length ? `; retired: ${r.retired.join(', ')}` : '';
        print(o.json, r, `new signing key ${r.kid}${kept}${retired}`);
      }),
    );

  program
    .command('demo')
    .description('seed a demo merchant, supplier, clients and orders (DATA_DIR/demo.json); prints the existing demo if there is one')
    .option('--reset', 'revoke the existing demo\'s clients and seed a new demo')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean; reset?: boolean }) =>
      withApp(async (app) => {
        const db = app.db.kysely;
        const { demoFile, existingDemo, retireDemo } = await import('../demo/existing-demo.ts');
        const { seedDemo } = await import('../demo/seed-demo.ts');
        const existing = await existingDemo(db, app.config.dataDir);
        if (existing && !o.reset) {
          print(o.json, existing, `${JSON.stringify(existing, null, 2)}\n(the existing demo, from ${demoFile(app.config.dataDir)}; --reset starts a new one)`);
          return;
        }
        if (existing) await retireDemo(db, existing);
        const demo = await seedDemo(app.services, app.config.dataDir);
        print(o.json, demo, JSON.stringify(demo, null, 2));
      }),
    );
}
