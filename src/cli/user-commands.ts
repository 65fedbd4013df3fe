/** `ordergraph user create|list|disable`: the people who sign in to the dashboard. */
import type { Command } from 'commander';
import { createUser, disableUser, listUsers } from '../users/users.ts';
import { print, withApp } from './admin-commands.ts';

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage the people who sign in to the dashboard');
  user
    .command('create')
    .description('create a user; without --password one is generated and printed once')
    .requiredOption('--org <id>', 'the organization the user belongs to')
    .requiredOption('--email <email>', 'what the user signs in with')
    .requiredOption('--role <role>', 'admin, operator or viewer')
    .option('--password <password>', 'at least 12 characters (prefer the generated one: a flag ends up in shell history)')
    .option('--json', 'machine-readable output')
    .action((o: { org: string; email: string; role: string; password?: string; json?: boolean }) =>
      withApp(async ({ db }) => {
        const { user: u, generatedPassword } = await createUser(db.kysely, { organizationId: o.org, email: o.email, role: o.role, password: o.password });
        const out = { ...u, ...(generatedPassword ? { password: generatedPassword } : {}) };
        print(o.json, out, `user ${u.email} (${u.role}) created in ${u.organizationId}${generatedPassword ? `\npassword: ${generatedPassword}   (shown once)` : ''}`);
      }),
    );
  user
    .command('list')
    .description('list users')
    .option('--org <id>', "only this organization's users")
    .option('--json', 'machine-readable output')
    .action((o: { org?: string; json?: boolean }) =>
      withApp(async ({ db }) => {
        const users = await listUsers(db.kysely, o.org);
        print(o.json, users, users.map((u) => `${u.email}  ${u.role}  ${u.organizationId}${u.disabled ? '  DISABLED' : ''}`).join('\n') || '(no users)');
      }),
    );
  user
    .command('disable')
    .description('disable a user (by email or id): their sessions end at once, on every node')
    .argument('<user>')
    .option('--json', 'machine-readable output')
    .action((who: string, o: { json?: boolean }) =>
      withApp(async ({ db }) => {
        const u = await disableUser(db.kysely, who);
        print(o.json, u, `user ${u.email} disabled; their sessions have ended`);
      }),
    );
}
