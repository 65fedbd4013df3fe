/** The `ordergraph` CLI (SPEC §1): flags parsed here, the work done by the modules `app.ts` composes. */
import { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { isDomainError } from '../errors/domain-error.ts';
import { registerAdminCommands } from './admin-commands.ts';
import { registerUserCommands } from './user-commands.ts';

const program = new Command()
  .name('ordergraph')
  .description('Ordergraph: self-hosted order management over OAuth 2.0 and GraphQL')
  .showHelpAfterError();

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
registerUserCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const message = isDomainError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
  process.stderr.write(`ordergraph: ${message}\n`);
  process.exit(1);
}
