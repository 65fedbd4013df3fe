/** The `ordergraph` CLI (SPEC §1): flags parsed here, the work done by the modules `app.ts` composes. */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config.ts';
import { isDomainError } from '../errors/domain-error.ts';
import { registerAdminCommands } from './admin-commands.ts';
import { registerClientCommands } from './client-commands.ts';
import { registerUserCommands } from './user-commands.ts';
import { registerSandboxCommand } from '../sandbox/sandbox-command.ts';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
/** Under --json, errors too are JSON (on stdout, where scripts read the result), with a non-zero exit. */
const json = process.argv.includes('--json');

const program = new Command()
  .name('ordergraph')
  .description('Ordergraph: self-hosted order management over OAuth 2.0 and GraphQL')
  .version(version, '--version', 'print the version')
  .showHelpAfterError(!json)
  .exitOverride()
  .configureOutput({ outputError: (text, write) => (json ? undefined : write(text)) });

program
  .command('serve')
  .description('run the HTTP server (and the background workers unless --no-workers); runs migrations first')
  .option('--no-workers', 'do not run background workers in this process')
  .action(async (opts: { workers: boolean }) => {
    // Loaded on demand: the one-shot commands don't need the HTTP and GraphQL stack.
    const { serveCommand } = await import('./serve-commands.ts');
    await serveCommand(loadConfig(), { workers: opts.workers });
  });

program
  .command('worker')
  .description('run the background workers only (requests, webhooks)')
  .action(async () => {
    const { workerCommand } = await import('./serve-commands.ts');
    await workerCommand(loadConfig());
  });

registerAdminCommands(program);
registerClientCommands(program);
registerUserCommands(program);
registerSandboxCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version end here too, successfully; a usage error was already printed unless --json.
    if (e.exitCode === 0) process.exit(0);
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'BAD_USER_INPUT', message: e.message.replace(/^error: /, '') } })}\n`);
    process.exit(e.exitCode || 1);
  }
  const code = isDomainError(e) ? e.code : 'ERROR';
  const message = e instanceof Error ? e.message : String(e);
  if (json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  else process.stderr.write(`ordergraph: ${isDomainError(e) ? `${code}: ` : ''}${message}\n`);
  process.exit(1);
}
