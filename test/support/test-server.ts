/**
 * A real Ordergraph server for end-to-end tests: `node bin/ordergraph.js serve` as a child process on a free
 * loopback port, with a fresh temporary DATA_DIR, `ORDERGRAPH_DEMO=false`, `ORDERGRAPH_SANDBOX=false`, `LOG_LEVEL=warn`,
 * `ORDERGRAPH_DB_POOL_SIZE=8`, and a fresh
 * database of the kind `TEST_DB` names (see test-database.ts). Every test file starts its own servers, so files
 * share no ports, data directories or databases and can run in parallel.
 *
 *   const server = await startServer();            // or startServer({ env: { ORDERGRAPH_TOKEN_TTL: '1' } })
 *   after(() => server.stop());
 *   await server.cli(['org', 'create', '--name', 'Acme', '--kind', 'MERCHANT', '--json']);
 *   await server.kill('SIGKILL'); await server.restart();   // same data, same database
 */
import fs from 'node:fs/promises';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli, runCli, type CliResult } from './cli.ts';
import { freePort } from './free-port.ts';
import { OrdergraphProcess, type Exit } from './ordergraph-process.ts';
import { createTestDatabase, testDbKind, type TestDbKind } from './test-database.ts';

export interface StartServerOptions {
  /** Extra environment for the server, its workers and CLI calls, e.g. `{ ORDERGRAPH_TOKEN_TTL: '1' }`. */
  env?: Record<string, string>;
  /**
   * Where background jobs run: `in-process` (the default: `serve`), `none` (`serve --no-workers`), or
   * `separate` (`serve --no-workers` plus one `ordergraph worker` process on the same database; add more with
   * `startWorker()`).
   */
  workers?: 'in-process' | 'none' | 'separate';
  /** How long to wait for `/readyz` (ms). */
  readyTimeoutMs?: number;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly dbKind: TestDbKind;
  readonly dataDir: string;
  /** The PostgreSQL database of this server, or undefined on SQLite. */
  readonly databaseUrl: string | undefined;
  /** The environment the server, its workers and `cli()` run with. */
  readonly env: Readonly<Record<string, string>>;
  /** Worker processes started with `workers: 'separate'` or `startWorker()`. */
  readonly workers: readonly OrdergraphProcess[];
  /** `ordergraph ...args` on this server's database: parsed JSON with `--json`, else text; throws on failure. */
  cli(args: string[]): Promise<any>;
  /** Like `cli`, but reports the exit code, stdout and stderr instead of throwing. */
  cliResult(args: string[]): Promise<CliResult>;
  /** Sends `signal` (default SIGKILL) to the server process only and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
  /** Starts the server again on the same data (stopping it first if it runs), then waits for `/readyz`. */
  restart(): Promise<void>;
  /** Starts one more `ordergraph worker` process on the same database and waits until it runs. */
  startWorker(): Promise<OrdergraphProcess>;
  /** Stops the server and its workers, drops the database and removes the data directory. Idempotent. */
  stop(): Promise<void>;
  /** Recent stdout/stderr of the server process, for failure messages. */
  output(): string;
}

/** Variables of the developer's shell that must not leak into a test server. */
const SCRUBBED = /^(PORT|HOST|DATA_DIR|DATABASE_URL|LOG_LEVEL|NODE_ENV|NODE_TEST_CONTEXT|TEST_DB|TEST_DATABASE_URL|ORDERGRAPH_.*)$/;

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUBBED.test(k)) env[k] = v;
  return env;
}

async function isReady(url: string): Promise<boolean> {
  const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status === 200;
}

/**
 * Whether `proc` serves `url`: its own output says it listens there, and `/readyz` answers 200. The first alone is
 * not enough, nor the second: a server of another test file that won the port answers `/readyz` too.
 */
export async function servesOn(proc: OrdergraphProcess, url: string): Promise<boolean> {
  return proc.currentOutput().includes(`ordergraph listening on ${url}`) && (await isReady(url));
}

const PORT_IN_USE = /EADDRINUSE/;

/** Data directories of servers not stopped yet: removed even if the test process exits without `stop()`. */
const liveDataDirs = new Set<string>();
process.once('exit', () => {
  for (const dir of liveDataDirs) rmSync(dir, { recursive: true, force: true });
});

class RunningServer implements TestServer {
  port = 0;
  readonly workers: OrdergraphProcess[] = [];
  private stopped = false;

  constructor(
    readonly dbKind: TestDbKind,
    readonly dataDir: string,
    readonly databaseUrl: string | undefined,
    readonly env: Record<string, string>,
    private readonly server: OrdergraphProcess,
    private readonly readyTimeoutMs: number,
    private readonly dropDatabase: () => Promise<void>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the server process, on a new free port when the current one is taken by someone else. */
  async launch(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (!this.port) this.port = await freePort();
      this.server.env = { ...this.env, PORT: String(this.port) };
      this.server.spawn();
      try {
        await this.server.waitUntil(() => servesOn(this.server, this.url), this.readyTimeoutMs);
        return;
      } catch (e) {
        await this.server.kill('SIGKILL');
        if (attempt >= 5 || !PORT_IN_USE.test(this.server.currentOutput())) throw e;
        this.port = 0; // lost a race for the port: pick another
      }
    }
  }

  cli(args: string[]): Promise<any> {
    return cli(this.env, args);
  }

  cliResult(args: string[]): Promise<CliResult> {
    return runCli(this.env, args);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    return this.server.kill(signal);
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error('restart() after stop()');
    await this.server.stop();
    await this.launch();
  }

  async startWorker(): Promise<OrdergraphProcess> {
    const worker = new OrdergraphProcess(`worker ${this.workers.length + 1}`, ['worker'], this.env);
    this.workers.push(worker);
    worker.spawn();
    await worker.waitUntil(() => /worker \S+ running/.test(worker.currentOutput()), this.readyTimeoutMs);
    return worker;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([this.server.stop(), ...this.workers.map((w) => w.stop())]);
    await this.dropDatabase();
    await fs.rm(this.dataDir, { recursive: true, force: true });
    liveDataDirs.delete(this.dataDir);
  }

  output(): string {
    return this.server.output();
  }
}

/** Starts a fresh server and waits until `/readyz` answers 200. Call `stop()` in an `after` hook. */
export async function startServer(opts: StartServerOptions = {}): Promise<TestServer> {
  const kind = testDbKind();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ordergraph-test-'));
  liveDataDirs.add(dataDir);
  const database = await createTestDatabase(kind);
  const env: Record<string, string> = {
    ...baseEnv(),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ORDERGRAPH_DEMO: 'false',
    // Demo orders stay where tests put them; sandbox.test.ts turns the demo's sandbox on.
    ORDERGRAPH_SANDBOX: 'false',
    LOG_LEVEL: 'warn',
    // Several files run at once on one PostgreSQL (max_connections 100 by default), some with three processes.
    ORDERGRAPH_DB_POOL_SIZE: '8',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...opts.env,
  };
  const workers = opts.workers ?? 'in-process';
  const serveArgs = workers === 'in-process' ? ['serve'] : ['serve', '--no-workers'];
  const server = new RunningServer(
    kind,
    dataDir,
    database.url,
    env,
    new OrdergraphProcess('server', serveArgs, env),
    opts.readyTimeoutMs ?? 60_000,
    () => database.drop(),
  );
  try {
    await server.launch();
    if (workers === 'separate') await server.startWorker();
  } catch (e) {
    await server.stop().catch(() => {});
    throw e;
  }
  return server;
}
