/** Inside the writer thread: opens the database (and the workers), then runs the commands it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { startApp } from '../app.ts';
import { registry } from '../http/health-routes.ts';
import type { Ctx } from '../context.ts';
import { commands, type CommandName } from './commands.ts';
import { actorFromWire, toWire, valueToWire } from './thread-wire.ts';
import type { Call, FromWriter, Result, ToWriter, WriterOptions } from './writer-thread.ts';

/** Collects results and sends them in one message on the next turn of the event loop (a group's worth). */
class Batcher<T> {
  private items: T[] = [];

  constructor(private readonly flush: (items: T[]) => void) {}

  push(item: T): void {
    if (this.items.push(item) === 1) setImmediate(() => this.flush(this.items.splice(0)));
  }
}

const port = parentPort!;
const send = (m: FromWriter) => port.postMessage(m);
const { opts } = workerData as { opts: WriterOptions };

try {
  const app = await startApp(opts.config, { http: false, workers: opts.workers });
  let inFlight = 0;
  let closing: (() => void) | undefined;
  const results = new Batcher<Result>((batch) => send({ kind: 'results', json: JSON.stringify(batch) }));
  const run = async (m: Call) => {
    const ctx: Ctx = { actor: actorFromWire(m.actor), requestId: m.requestId, services: app.services };
    const command = commands[m.name as CommandName] as ((ctx: Ctx, ...args: unknown[]) => Promise<unknown>) | undefined;
    inFlight++;
    try {
      if (!command) throw new Error(`unknown command ${m.name}`);
      results.push({ id: m.id, ok: true, value: valueToWire(await command(ctx, ...m.args)) });
    } catch (e) {
      results.push({ id: m.id, ok: false, error: toWire(e) });
    } finally {
      if (--inFlight === 0) closing?.();
    }
  };
  port.on('message', (m: ToWriter) => {
    if (m.kind === 'calls') (JSON.parse(m.json) as Call[]).forEach((c) => void run(c));
    else if (m.kind === 'metrics') void registry.getMetricsAsJSON().then((metrics) => send({ kind: 'metrics', metrics }));
    else if (m.kind === 'close') void close();
  });
  const close = async () => {
    if (inFlight > 0) await new Promise<void>((resolve) => (closing = resolve));
    await new Promise((resolve) => setImmediate(resolve)); // the last results' batch goes out first
    await app.close().catch(() => {});
    send({ kind: 'closed' });
  };
  send({ kind: 'ready' });
} catch (e) {
  send({ kind: 'failed', error: toWire(e) });
}
