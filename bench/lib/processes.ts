/**
 * Child processes of the bench: the bare baseline server, `ordergraph serve` and `ordergraph worker`. Each is
 * started with an explicit environment, its output kept for diagnostics, and stopped with SIGTERM (then SIGKILL).
 * Children still alive when the bench exits are killed, by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
// One way to find a free loopback port, shared with the test helpers.
import { freePort } from '../../test/support/free-port.ts';

export { freePort };

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ORDERGRAPH_BIN = path.join(REPO_ROOT, 'bin/ordergraph.js');
export const BARE_SERVER = path.join(REPO_ROOT, 'bench/lib/bare-server.js');
export const RAW_DRAFT_SERVER = path.join(REPO_ROOT, 'bench/lib/raw-draft-server.js');

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The environment a child gets: ours minus anything that would change how ordergraph runs, plus `extra`. */
export function childEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(ORDERGRAPH_|DATABASE_URL$|DATA_DIR$|PORT$|HOST$|LOG_LEVEL$|NODE_OPTIONS$)/.test(k)) continue;
    env[k] = v;
  }
  // The demo's supplier would otherwise be a sandbox fulfiller, working the bench's orders behind its back.
  env.ORDERGRAPH_SANDBOX = 'false';
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export class Child {
  private child: ChildProcess | undefined;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({ code: null, signal: null });
  private log = '';
  /** Everything the child wrote to stdout (one-shot commands are small). */
  stdout = '';

  constructor(
    readonly name: string,
    /** Arguments after `node`: node flags, then the script and its arguments. */
    readonly args: string[],
    readonly env: Record<string, string>,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.log;
  }

  start(): this {
    const child = spawn(process.execPath, this.args, { cwd: REPO_ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    const append = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString('utf8')).slice(-32_000);
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      if (this.stdout.length < 1_000_000) this.stdout += chunk.toString('utf8');
      append(chunk);
    });
    child.stderr!.on('data', append);
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': by then stdout and stderr are drained, so the output is complete.
      child.once('close', (code, signal) => {
        live.delete(child);
        resolve({ code, signal });
      });
      child.once('error', (e) => {
        append(Buffer.from(`spawn error: ${e.message}\n`));
        live.delete(child);
        resolve({ code: null, signal: null });
      });
    });
    return this;
  }

  /** Polls `ready` every 50 ms; fails with the child's output if it exits first or after `timeoutMs`. */
  async waitUntil(ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) {
        const { code, signal } = await this.exited;
        throw new Error(`${this.name} exited (code ${code}, signal ${signal}) before it was ready:\n${this.log}`);
      }
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for the process to exit by itself (a one-shot command); returns its exit code. */
  async wait(timeoutMs = 60_000): Promise<number | null> {
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    try {
      return (await this.exited).code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. A --cpu-prof child writes its profile on this clean exit. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

async function httpOk(url: string): Promise<boolean> {
  const res = await request(url, { method: 'GET', headersTimeout: 2_000, bodyTimeout: 2_000 });
  await res.body.dump();
  return res.statusCode === 200;
}

/** The bare node:http baseline, listening on a free loopback port. */
export function startBare(): Promise<{ child: Child; origin: string }> {
  return startPlain('bare server', BARE_SERVER, {});
}

/**
 * The floor of a DRAFT orderUpdate on SQLite (raw-draft-server.js): the bare server plus the change's statements,
 * on a copy of `dbFile` at `copyFile`.
 */
export function startRawDraft(dbFile: string, copyFile: string): Promise<{ child: Child; origin: string }> {
  return startPlain('raw DRAFT server', RAW_DRAFT_SERVER, { DB_FILE: dbFile, COPY_FILE: copyFile });
}

async function startPlain(name: string, script: string, env: Record<string, string>): Promise<{ child: Child; origin: string }> {
  const port = await freePort();
  const child = new Child(name, [script], childEnv({ PORT: String(port), HOST: '127.0.0.1', ...env })).start();
  const origin = `http://127.0.0.1:${port}`;
  await child.waitUntil(() => httpOk(`${origin}/`));
  return { child, origin };
}

export interface ServeOptions {
  dataDir: string;
  databaseUrl?: string;
  /** `--no-workers`: PENDING requests stay PENDING. */
  noWorkers?: boolean;
  /** Node flags before the script, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Extra environment, e.g. ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE=true (ORDERGRAPH_* of the bench's own env is not passed). */
  env?: Record<string, string>;
  /** Another checkout's `bin/ordergraph.js` (bench:pair); default this one's. */
  bin?: string;
}

/** `node bin/ordergraph.js serve` on a free loopback port, LOG_LEVEL=warn, ready when /healthz answers. */
export async function startServe(opts: ServeOptions): Promise<{ child: Child; origin: string }> {
  const port = await freePort();
  const args = [...(opts.nodeFlags ?? []), opts.bin ?? ORDERGRAPH_BIN, 'serve', ...(opts.noWorkers ? ['--no-workers'] : [])];
  const env = childEnv({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: opts.dataDir,
    DATABASE_URL: opts.databaseUrl,
    LOG_LEVEL: 'warn',
    ...opts.env,
  });
  const child = new Child(`ordergraph serve${opts.noWorkers ? ' --no-workers' : ''}`, args, env).start();
  const origin = `http://127.0.0.1:${port}`;
  await child.waitUntil(() => httpOk(`${origin}/healthz`), 60_000);
  return { child, origin };
}

/** `node bin/ordergraph.js worker` (background workers only). Not waited for: the caller watches the database. */
export function startWorker(opts: { dataDir: string; databaseUrl?: string; env?: Record<string, string>; nodeFlags?: string[] }): Child {
  const env = childEnv({ DATA_DIR: opts.dataDir, DATABASE_URL: opts.databaseUrl, LOG_LEVEL: 'warn', ...opts.env });
  return new Child('ordergraph worker', [...(opts.nodeFlags ?? []), ORDERGRAPH_BIN, 'worker'], env).start();
}

/** Runs a one-shot CLI command (`demo --json`, ...) and returns its stdout. */
/** `bin`: another checkout's CLI (bench/pair.ts seeds each tree's database with its own migrations). */
export async function runCli(args: string[], opts: { dataDir: string; databaseUrl?: string; bin?: string }): Promise<string> {
  const env = childEnv({ DATA_DIR: opts.dataDir, DATABASE_URL: opts.databaseUrl, LOG_LEVEL: 'warn' });
  const child = new Child(`ordergraph ${args.join(' ')}`, [opts.bin ?? ORDERGRAPH_BIN, ...args], env).start();
  const code = await child.wait(60_000);
  if (code !== 0) throw new Error(`ordergraph ${args.join(' ')} exited with ${code}:\n${child.output()}`);
  return child.stdout;
}
