/**
 * One long-running `node bin/ordergraph.js <command>` child process (a `serve` or a `worker`): started with a
 * given environment, its output kept for diagnostics, killable with any signal and restartable with the same
 * arguments and environment. Children still alive when the test process exits are SIGKILLed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ORDERGRAPH_BIN, REPO_ROOT } from './paths.ts';

const MAX_OUTPUT_CHARS = 64 * 1024;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export class OrdergraphProcess {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  private log = '';
  /** Set while we are stopping or killing the child on purpose. */
  private exitExpected = false;
  /** Set once `waitUntil` saw the child ready: an exit before that is reported by `waitUntil` itself. */
  private wasReady = false;
  /** Where the current child's output starts in `log`. */
  private spawnOffset = 0;

  constructor(
    /** For messages: `server`, `worker 1`, ... */
    readonly name: string,
    readonly args: string[],
    public env: Record<string, string>,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when the current child exits (at once if none is running). */
  get exited(): Promise<Exit> {
    return this.exitPromise;
  }

  /** The last 64 KiB of stdout and stderr, across restarts (each start is marked with a `---` line). */
  output(): string {
    return this.log;
  }

  /** Output of the current (or last) child only. */
  currentOutput(): string {
    return this.log.slice(this.spawnOffset);
  }

  /** Spawns the child; does not wait for it to be ready (see `waitUntil`). */
  spawn(): void {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    const child = spawn(process.execPath, [ORDERGRAPH_BIN, ...this.args], {
      cwd: REPO_ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.log += `--- [test support] ${this.name}: pid ${child.pid} started at ${new Date().toISOString()} ---\n`;
    this.spawnOffset = this.log.length;
    this.exitExpected = false;
    this.wasReady = false;
    live.add(child);
    const append = (chunk: Buffer) => {
      this.log += chunk.toString('utf8');
      if (this.log.length > MAX_OUTPUT_CHARS) {
        const cut = this.log.length - MAX_OUTPUT_CHARS;
        this.log = this.log.slice(cut);
        this.spawnOffset = Math.max(0, this.spawnOffset - cut);
      }
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    this.exitPromise = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        if (this.wasReady && !this.exitExpected) {
          // Tests then fail with ECONNREFUSED; say why.
          process.stderr.write(
            `\n[test support] ${this.name} (pid ${child.pid}) exited unexpectedly (code ${code}, signal ${signal}); its last output:\n${this.log.slice(-8000)}\n`,
          );
        }
        resolve({ code, signal });
      });
      child.once('error', (e) => {
        append(Buffer.from(`spawn error: ${e.message}\n`));
        live.delete(child);
        resolve({ code: null, signal: null });
      });
    });
  }

  /**
   * Waits until `ready()` returns true, failing early (with the process output) if the child exits, and after
   * `timeoutMs`.
   */
  async waitUntil(ready: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited: Exit | undefined;
    void this.exitPromise.then((e) => (exited = e));
    for (;;) {
      if (exited || !this.running) {
        const e = exited ?? (await this.exitPromise);
        throw new Error(`${this.name} exited (code ${e.code}, signal ${e.signal}) before it was ready; its output:\n${this.currentOutput()}`);
      }
      if (await Promise.resolve().then(ready).catch(() => false)) {
        this.wasReady = true;
        return;
      }
      if (Date.now() > deadline) throw new Error(`${this.name} not ready after ${timeoutMs} ms; its output:\n${this.currentOutput()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends `signal` and waits for the child to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (!this.running) return this.exitPromise;
    this.exitExpected = true;
    this.child!.kill(signal);
    return this.exitPromise;
  }

  /** SIGTERM, then SIGKILL if the child has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<Exit> {
    if (!this.running) return this.exitPromise;
    this.exitExpected = true;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    try {
      return await this.exitPromise;
    } finally {
      clearTimeout(timer);
    }
  }
}
