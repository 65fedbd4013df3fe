/**
 * Where a CLI run writes, and the environment it reads its configuration from. The `ordergraph` command uses the
 * process's; tests run commands in-process with their own (test/e2e/cli.test.ts), which costs milliseconds a
 * command instead of a process start. Commands read it through `currentIo()` (an AsyncLocalStorage), so their
 * signatures stay `print(json, value, text)` and `withApp(fn)`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: CliIo = {
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

const running = new AsyncLocalStorage<CliIo>();

export const currentIo = (): CliIo => running.getStore() ?? processIo;

/**
 * The process's own io is what `currentIo()` answers anyway, so it is not stored: an AsyncLocalStorage, once run,
 * turns on promise hooks for the whole process for good, and `serve` would pay them on every promise of every
 * request (about a fifth of a DRAFT `orderUpdate`'s server CPU, docs/benchmarks.md, session 8).
 */
export const withIo = <T>(io: CliIo, fn: () => Promise<T>): Promise<T> => (io === processIo ? fn() : running.run(io, fn));
