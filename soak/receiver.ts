/**
 * The soak's webhook endpoint on 127.0.0.1: verifies every delivery's Standard Webhooks signature, remembers
 * each `webhook-id` (deliveries are at least once, so it dedupes on it) in the order first seen, and answers
 * 503 to a small share of first attempts so that the server's retries run too.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Receiver {
  url: string;
  /** Call once the webhook exists: deliveries before that are refused (503) and come again. */
  setSecret(secret: string): void;
  /** webhook-id → how many times it arrived with a valid signature. */
  readonly received: Map<string, number>;
  /** webhook-ids in the order they were first accepted. */
  readonly firstSeen: string[];
  /** For each first acceptance: ms from the event (its `header.date`) to its arrival here. */
  readonly latencies: number[];
  readonly badSignatures: number;
  readonly refused: number;
  close(): Promise<void>;
}

export async function startReceiver(opts: { failureRate: number; random: () => number }): Promise<Receiver> {
  let verifier: Webhook | undefined;
  const received = new Map<string, number>();
  const firstSeen: string[] = [];
  const latencies: number[] = [];
  const state = { badSignatures: 0, refused: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      if (!verifier || (!received.has(id) && opts.random() < opts.failureRate)) {
        state.refused += 1;
        res.writeHead(503).end();
        return;
      }
      try {
        verifier.verify(body, req.headers as Record<string, string>);
      } catch {
        state.badSignatures += 1;
        res.writeHead(400).end();
        return;
      }
      const n = received.get(id) ?? 0;
      if (n === 0) {
        firstSeen.push(id);
        const date = Date.parse(JSON.parse(body)?.header?.date);
        if (Number.isFinite(date)) latencies.push(Date.now() - date);
      }
      received.set(id, n + 1);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    setSecret: (secret) => (verifier = new Webhook(secret)),
    received,
    firstSeen,
    latencies,
    get badSignatures() {
      return state.badSignatures;
    },
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
