/**
 * Scenario 7: commit → webhook delivery latency on an idle server.
 *
 * `serve` (workers in-process, as deployed by default) on its own fresh database with
 * ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE=true, 8 DRAFT orders, a webhook (every event) to a receiver in the bench
 * process. Then, `latencyEvents` times (after 10 unmeasured warm-ups), one at a time: an `orderUpdate` with a
 * unique comment on one keep-alive connection; wait for the receiver to get the event whose body holds that
 * comment; pause `latencyPauseMs`; next. Nothing else runs on the server.
 *
 * Per update, on the bench's clock (performance.now()):
 * - **latency** = arrival at the receiver − arrival of the HTTP response. The transaction committed before the
 *   response was sent, so this is what a client sees; it can be slightly negative when the in-process worker
 *   delivers before the response is written. This is the goal's figure.
 * - **fromSend** = arrival at the receiver − request sent: an upper bound of commit → delivery.
 * - **fromEventDate** = arrival (Date.now()) − the event's `header.date` (written inside the transaction, before
 *   commit), on the same machine's wall clock at 1 ms resolution.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { processCpuMs } from '../lib/load.ts';
import { createOrdersBulk, createWebhook } from '../lib/ordergraph-client.ts';
import { startReceiver, type Delivery } from '../lib/webhook-receiver.ts';
import { ORDER_UPDATE } from './order-update-draft.ts';
import type { Scenario } from './types.ts';
import { WEBHOOK_ENV } from './webhook-deliveries.ts';

const ORDERS = 8;
const WARMUP = 10;
const DELIVERY_TIMEOUT_MS = 10_000;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function stats(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] : 0);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0;
  return { p50: round(q(0.5)), p90: round(q(0.9)), p99: round(q(0.99)), min: round(s[0] ?? 0), max: round(s.at(-1) ?? 0), mean: round(mean) };
}

export const webhookLatency: Scenario = {
  id: 'webhookLatency',
  title: 'Commit → webhook delivery latency on an idle server (serve with in-process workers)',
  goal: { kind: 'p99Ms', max: 100 },
  databases: ['sqlite', 'postgres'],
  async run(env) {
    const { latencyEvents, latencyPauseMs } = env.settings;
    const receiver = await startReceiver({ keepBodies: true });
    // The receiver's listening socket would keep the bench alive: stop it whatever fails, start-up included.
    const server = await env.ownServer({ label: 'latency', env: WEBHOOK_ENV }).catch(async (e) => {
      await receiver.stop();
      throw e;
    });
    const pool = new Pool(server.origin, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
    try {
      const orders = (await createOrdersBulk(server.origin, server.merchantToken, ORDERS, 'DRAFT')).map((o) => o.id);
      await createWebhook(server.origin, server.merchantToken, receiver.url);
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${server.merchantToken}` };
      const runTag = `lat-${Date.now().toString(36)}`;

      // The delivery whose body holds `marker`, as soon as it arrives.
      let waiting: { marker: string; resolve: (d: Delivery) => void } | undefined;
      receiver.onDelivery = (d) => {
        if (waiting && d.body?.includes(waiting.marker)) {
          const w = waiting;
          waiting = undefined;
          w.resolve(d);
        }
      };

      const one = async (i: number) => {
        const marker = `${runTag}-${i}-end`;
        let timer: NodeJS.Timeout | undefined;
        const delivered = new Promise<Delivery>((resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`no delivery of update ${i} within ${DELIVERY_TIMEOUT_MS} ms`)), DELIVERY_TIMEOUT_MS);
          const settle = (d: Delivery) => {
            clearTimeout(timer);
            resolve(d);
          };
          waiting = { marker: `"${marker}"`, resolve: settle };
        });
        delivered.catch(() => {}); // awaited below; this only keeps an early throw from leaving it unhandled
        const body = JSON.stringify({ query: ORDER_UPDATE, variables: { input: { id: orders[Math.abs(i) % ORDERS], comment: marker } } });
        let d: Delivery;
        let sent: number;
        let responded: number;
        try {
          sent = performance.now();
          const res = await pool.request({ path: '/graphql', method: 'POST', headers, body });
          const text = await res.body.text();
          responded = performance.now();
          if (res.statusCode !== 200 || !text.includes('"state":"ACCEPTED"')) throw new Error(`orderUpdate failed: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
          d = await delivered;
        } finally {
          clearTimeout(timer);
          waiting = undefined;
        }
        const date = Date.parse((JSON.parse(d.body!) as { header: { date: string } }).header.date);
        return { latency: d.at - responded, fromSend: d.at - sent, fromEventDate: d.wallMs - date, request: responded - sent };
      };
      const pause = () => new Promise((r) => setTimeout(r, latencyPauseMs));

      for (let i = 0; i < WARMUP; i++) {
        await one(-1 - i);
        await pause();
      }
      env.log(`  ${latencyEvents} sequential orderUpdates, each waited for at the receiver, ${latencyPauseMs} ms apart`);
      const samples: Awaited<ReturnType<typeof one>>[] = [];
      const cpu0 = await processCpuMs(server.pid);
      const t0 = performance.now();
      for (let i = 0; i < latencyEvents; i++) {
        samples.push(await one(i));
        await pause();
      }
      const elapsed = performance.now() - t0;
      const cpu1 = await processCpuMs(server.pid);
      const extra = receiver.deliveries.length - receiver.unique();

      const latency = stats(samples.map((s) => s.latency));
      const goal = this.goal!;
      const notes = [
        `latency from response: p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms; ` +
          `from request sent: p99 ${stats(samples.map((s) => s.fromSend)).p99} ms`,
      ];
      const negative = samples.filter((s) => s.latency < 0).length;
      if (negative > 0) notes.push(`${negative} of ${samples.length} events arrived before their HTTP response`);
      if (extra > 0) notes.push(`${extra} repeated deliveries`);
      return [
        {
          scenario: this.id,
          title: this.title,
          db: env.dbKind,
          rps: samples.length,
          unit: 'samples',
          goal,
          met: goal.kind === 'p99Ms' && samples.length === latencyEvents && latency.p99 < goal.max,
          details: {
            samples: samples.length,
            pauseMs: latencyPauseMs,
            latencyMs: latency,
            fromSendMs: stats(samples.map((s) => s.fromSend)),
            fromEventDateMs: stats(samples.map((s) => s.fromEventDate)),
            requestMs: stats(samples.map((s) => s.request)),
            serverCpuPct: cpu0 !== undefined && cpu1 !== undefined ? round(((cpu1 - cpu0) / elapsed) * 100, 0) : undefined,
            // Server CPU per update over the whole loop: the request, its delivery, and the idle timers in the pauses.
            serverCpuUsPerUpdateCycle: cpu0 !== undefined && cpu1 !== undefined ? round(((cpu1 - cpu0) * 1000) / samples.length, 0) : undefined,
          },
          notes,
        },
      ];
    } finally {
      receiver.onDelivery = undefined;
      await pool.destroy().catch(() => {});
      await server.stop();
      await receiver.stop();
    }
  },
};
