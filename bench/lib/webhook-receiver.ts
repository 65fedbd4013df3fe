/**
 * The webhook receiver of the webhook scenarios: a bare node:http server on 127.0.0.1, in the bench process, that
 * reads each POST body and answers 204 at once. It keeps, per request, the time the whole body had arrived
 * (performance.now(), the bench's clock) and the `webhook-id` header; the body itself only when asked
 * (`keepBodies`), so that a backlog of thousands of deliveries costs the bench little.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { monotonicUs } from './load.ts';

export interface Delivery {
  /** performance.now() when the body was complete. */
  at: number;
  /** CLOCK_MONOTONIC µs at the same moment (the clock of CPU profiles). */
  monoUs: number;
  /** Date.now() at the same moment, to compare with the event's `header.date`. */
  wallMs: number;
  webhookId: string;
  body?: string;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>/hook`. */
  url: string;
  deliveries: Delivery[];
  /** Distinct `webhook-id`s seen (a redelivery of the same event has the same id). */
  unique(): number;
  /** Called for every delivery as it arrives. */
  onDelivery?: (d: Delivery) => void;
  stop(): Promise<void>;
}

export async function startReceiver(opts: { keepBodies?: boolean } = {}): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const ids = new Set<string>();
  const receiver: Receiver = {
    url: '',
    deliveries,
    unique: () => ids.size,
    stop: async () => {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      if (opts.keepBodies) chunks.push(c);
    });
    req.on('end', () => {
      const d: Delivery = {
        at: performance.now(),
        monoUs: monotonicUs(),
        wallMs: Date.now(),
        webhookId: String(req.headers['webhook-id'] ?? ''),
        ...(opts.keepBodies ? { body: Buffer.concat(chunks).toString('utf8') } : {}),
      };
      res.writeHead(204);
      res.end();
      deliveries.push(d);
      ids.add(d.webhookId);
      receiver.onDelivery?.(d);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}/hook`;
  receiver.stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}
