/**
 * The writer thread (`serve` on SQLite). SQLite takes one writer at a time and its work is synchronous, so on one
 * thread every change's SQL waited for HTTP parsing and GraphQL, and the other way round. Here the HTTP thread
 * parses, authenticates, runs GraphQL and reads; the writer thread runs every command (commands.ts) and the
 * background workers on its own connection, with group commit. A command answers after its COMMIT, as before.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.ts';
import type { CommandWriter, Ctx } from '../context.ts';
import { actorToWire, fromWire, valueFromWire, type WireActor, type WireError, type WireValue } from './thread-wire.ts';

export interface Call {
  id: number;
  name: string;
  actor: WireActor;
  requestId: string;
  args: unknown[];
}

export type Result = { id: number; ok: true; value: WireValue } | { id: number; ok: false; error: WireError };

/** Calls and results travel in batches, as JSON of Call[] / Result[]: one message per event-loop turn. */
export type ToWriter = { kind: 'calls'; json: string } | { kind: 'metrics' } | { kind: 'close' };

export type FromWriter =
  | { kind: 'ready' }
  | { kind: 'failed'; error: WireError }
  | { kind: 'results'; json: string }
  | { kind: 'metrics'; metrics: object[] }
  | { kind: 'closed' };

export interface WriterOptions {
  config: Config;
  workers: boolean;
}

export class WriterThread implements CommandWriter {
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private nextId = 0;
  private closed?: Promise<void>;
  private metricsWaiters: ((metrics: object[]) => void)[] = [];
  private queued: Call[] = [];
  /** A batch went out and the thread has not answered since (see `send`). */
  private awaiting = false;
  private releaseTimer?: NodeJS.Timeout;

  private constructor(private readonly worker: Worker) {}

  /** Starts the thread and waits until its database and workers are up. */
  static start(opts: WriterOptions, onCrash: (error: Error) => void): Promise<WriterThread> {
    // tsx's loader does not reach worker threads, so a plain .mjs registers it there first.
    const worker = new Worker(new URL('./writer-thread-boot.mjs', import.meta.url), {
      workerData: { entry: new URL('./writer-thread-entry.ts', import.meta.url).href, opts },
    });
    const thread = new WriterThread(worker);
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromWriter) => {
        switch (m.kind) {
          case 'ready':
            ready = true;
            return resolve(thread);
          case 'failed':
            return reject(fromWire(m.error));
          case 'results':
            (JSON.parse(m.json) as Result[]).forEach((r) => thread.settle(r));
            return thread.release();
          case 'metrics':
            return thread.metricsWaiters.splice(0).forEach((w) => w(m.metrics));
        }
      });
      const fail = (error: Error) => {
        for (const p of thread.pending.values()) p.reject(error);
        thread.pending.clear();
        if (!ready) reject(error);
        else if (!thread.closed) onCrash(error);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`the writer thread exited (code ${code})`)));
    });
  }

  call(name: string, ctx: Ctx, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the writer thread is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.queued.push({ id, name, actor: actorToWire(ctx.actor), requestId: ctx.requestId, args }) === 1 && !this.awaiting) {
        setImmediate(() => this.send());
      }
    });
  }

  /**
   * Sends the queued calls as one batch, then holds new ones until the thread answers (or 1 ms passes): while it
   * works through a batch it could not start them anyway, and a message costs ≈ 5 µs on each side, so one larger
   * batch is cheaper than many small ones, and its calls share one group commit.
   */
  private send(): void {
    if (this.awaiting || this.queued.length === 0) return;
    this.worker.postMessage({ kind: 'calls', json: JSON.stringify(this.queued.splice(0)) } satisfies ToWriter);
    this.awaiting = true;
    if (this.releaseTimer) this.releaseTimer.refresh();
    else this.releaseTimer = setTimeout(() => this.release(), 1).unref();
  }

  private release(): void {
    this.awaiting = false;
    this.send();
  }

  /** The thread's metrics (jobs, webhook deliveries), as prom-client's JSON, for /metrics to merge. */
  metrics(): Promise<object[]> {
    if (this.closed) return Promise.resolve([]);
    return new Promise((resolve) => {
      if (this.metricsWaiters.push(resolve) === 1) this.worker.postMessage({ kind: 'metrics' } satisfies ToWriter);
    });
  }

  private settle(m: Result): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(valueFromWire(m.value));
    else p.reject(fromWire(m.error));
  }

  /** Stops the thread's workers and closes its database; commands already sent are answered first. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.worker.on('message', (m: FromWriter) => {
        if (m.kind === 'closed') void this.worker.terminate().then(() => resolve());
      });
      // Whatever is still queued goes out first (one port: messages arrive in order).
      this.awaiting = false;
      this.send();
      this.worker.postMessage({ kind: 'close' } satisfies ToWriter);
    });
    return this.closed;
  }
}
