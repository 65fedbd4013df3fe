/** The `ordergraph` CLI (SPEC §1): flags parsed here, the work done by the modules `app.ts` composes. */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config.ts';
import { DomainError, isDomainError } from '../errors/domain-error.ts';
import { registerAdminCommands } from './admin-commands.ts';
import { registerClientCommands } from './client-commands.ts';
import { processIo, withIo, type CliIo } from './cli-output.ts';
import { registerUserCommands } from './user-commands.ts';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** A fresh program for each run: commander keeps the parsed option values on its commands. */
function buildProgram(io: CliIo, json: boolean): Command {
  const program = new Command()
    .name('ordergraph')
    .description('Ordergraph: self-hosted order management over OAuth 2.0 and GraphQL')
    .version(version, '--version', 'print the version')
    .showHelpAfterError(!json)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (text, write) => (json ? undefined : write(text)) });

  program
    .command('serve')
    .description('run the HTTP server (and the background workers unless --no-workers); runs migrations first')
    .option('--no-workers', 'do not run background workers in this process')
    .action(async (opts: { workers: boolean }) => {
      // Loaded on demand: the one-shot commands don't need the HTTP and GraphQL stack.
      const { serveCommand } = await import('./serve-commands.ts');
      await serveCommand(loadConfig(io.env), { workers: opts.workers });
    });

  program
    .command('worker')
    .description('run the background workers only (requests, webhooks)')
    .action(async () => {
      const { workerCommand } = await import('./serve-commands.ts');
      await workerCommand(loadConfig(io.env));
    });

  registerAdminCommands(program);
  registerClientCommands(program);
  registerUserCommands(program);
  return program;
}

/** Internal names whose flag is not simply their kebab-case (`organizationId` is `--org`). */
const FLAG_ALIASES: Record<string, string> = { organizationId: '--org', defaultSupplierId: '--default-supplier', merchantId: '--merchant', supplierId: '--supplier' };

/** The domain names fields as the API does (`organizationId`); a person at the terminal typed `--org`. */
function withFlagNames(e: DomainError, command: Command | undefined): DomainError {
  const flags = new Set(command?.options.map((o) => o.long) ?? []);
  const flagOf = (field: string) => {
    const flag = FLAG_ALIASES[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return flags.has(flag) ? flag : undefined;
  };
  const message = e.message.replace(/`([A-Za-z]+)`/g, (whole, field: string) => (flagOf(field) ? `\`${flagOf(field)}\`` : whole));
  return message === e.message ? e : new DomainError(e.code, message, e.details);
}

/**
 * Runs `ordergraph ...args` and returns its exit code. Under --json, errors too are JSON
 * (`{"error":{"code","message"}}` on stdout, where scripts read the result); otherwise they go to stderr.
 */
export async function runCli(args: string[], io: CliIo = processIo): Promise<number> {
  const json = args.includes('--json');
  const program = buildProgram(io, json);
  let ran: Command | undefined;
  program.hook('preAction', (_program, command) => {
    ran = command;
  });
  try {
    await withIo(io, () => program.parseAsync(args, { from: 'user' }));
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, successfully; a usage error was already printed unless --json.
      if (e.exitCode === 0) return 0;
      if (json) io.stdout(`${JSON.stringify({ error: { code: 'BAD_USER_INPUT', message: e.message.replace(/^error: /, '') } })}\n`);
      return e.exitCode || 1;
    }
    const err = isDomainError(e) ? withFlagNames(e, ran) : e;
    const code = isDomainError(err) ? err.code : 'ERROR';
    const message = err instanceof Error ? err.message : String(err);
    if (json) io.stdout(`${JSON.stringify({ error: { code, message } })}\n`);
    else io.stderr(`ordergraph: ${isDomainError(err) ? `${code}: ` : ''}${message}\n`);
    return 1;
  }
}
