/**
 * A real HTTP webhook receiver on 127.0.0.1 for end-to-end tests: records every request (raw body, headers,
 * what it answered), answers as `respond` says (default 200), can be stopped and started again on the same
 * port (an endpoint that is down), and verifies Standard Webhooks signatures with the `standardwebhooks`
 * package, as a real receiver would.
 *
 *   const receiver = await startReceiver();           // receiver.url → http://127.0.0.1:<port>/hook
 *   receiver.respond = (r) => (r.body.header.type === 'order/created' ? 500 : 200);
 *   await receiver.waitFor((all) => all.length >= 3);
 *   receiver.verify(secret, delivery);               // throws unless one signature verifies
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { pollUntil } from './poll.ts';
import { gql } from './graphql.ts';
import { createClient, getToken, type CliRunner } from './oauth.ts';

export interface ReceivedWebhook {
  /** POST, or PUT for a KornitX status callback. */
  method: string;
  /** `webhook-id`. */
  id: string;
  timestamp: string;
  /** The `webhook-signature` entries (`v1,...`). */
  signatures: string[];
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** The parsed body: `{ header: {...}, body: {...} }` (undefined if not JSON). */
  body: any;
  /** The status this receiver answered. */
  status: number;
  receivedAt: number;
}

export type Answer = number | { status: number; headers?: Record<string, string>; delayMs?: number; body?: string };

export interface WebhookReceiver {
  readonly port: number;
  /** The endpoint to subscribe: `http://127.0.0.1:<port>/hook`. */
  readonly url: string;
  /** Every request received, in arrival order. */
  readonly received: ReceivedWebhook[];
  /** How to answer a request (default 200). Called before the answer is recorded. */
  respond: (r: ReceivedWebhook) => Answer;
  /** Requests answered 2xx. */
  accepted(): ReceivedWebhook[];
  /** The first accepted request of each `webhook-id`, in arrival order (receivers dedupe on it). */
  uniqueAccepted(): ReceivedWebhook[];
  /** Waits until `check(received)` is true. */
  waitFor(check: (received: ReceivedWebhook[]) => boolean, opts?: { timeoutMs?: number; message?: string }): Promise<void>;
  /** Throws unless `r` verifies with `secret` (standardwebhooks); returns the parsed body. */
  verify(secret: string, r: ReceivedWebhook): any;
  /** Stops listening (and drops open connections): the endpoint is down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

export async function startReceiver(opts: { path?: string } = {}): Promise<WebhookReceiver> {
  const path = opts.path ?? '/hook';
  const received: ReceivedWebhook[] = [];
  let server: http.Server | undefined;
  let port = 0;

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      const r: ReceivedWebhook = {
        method: req.method ?? '',
        id: String(req.headers['webhook-id'] ?? ''),
        timestamp: String(req.headers['webhook-timestamp'] ?? ''),
        signatures: String(req.headers['webhook-signature'] ?? '').split(' ').filter(Boolean),
        headers: req.headers,
        rawBody,
        body,
        status: 0,
        receivedAt: Date.now(),
      };
      let answer: Answer;
      try {
        answer = req.url === path ? receiver.respond(r) : 404;
      } catch {
        answer = 500;
      }
      const a = typeof answer === 'number' ? { status: answer } : answer;
      r.status = a.status;
      received.push(r);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers });
        res.end(a.body ?? 'ok');
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = http.createServer(handler);
      s.keepAliveTimeout = 1000;
      s.once('error', reject);
      s.listen({ port, host: '127.0.0.1' }, () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });

  const receiver: WebhookReceiver = {
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}${path}`;
    },
    received,
    respond: () => 200,
    accepted: () => received.filter((r) => r.status >= 200 && r.status < 300),
    uniqueAccepted() {
      const seen = new Set<string>();
      return receiver.accepted().filter((r) => !seen.has(r.id) && seen.add(r.id));
    },
    async waitFor(check, o = {}) {
      await pollUntil(() => check(received), { timeoutMs: o.timeoutMs ?? 30_000, intervalMs: 50, message: o.message ?? 'webhooks not received' });
    },
    verify(secret, r) {
      const headers = {
        'webhook-id': r.id,
        'webhook-timestamp': r.timestamp,
        'webhook-signature': r.signatures.join(' '),
      };
      return new Webhook(secret).verify(r.rawBody, headers);
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    start: listen,
  };
  await listen();
  return receiver;
}

/**
 * Starts a receiver answering 204 and subscribes a webhook of organization `orgId` to `events` on it (through a
 * client of its own with `edit_integrations`). The outbox stores only events some webhook subscribes to, so tests
 * that audit outbox rows subscribe first. The server must run with ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE=true (the
 * receiver is on loopback).
 */
export async function subscribeReceiver(server: CliRunner & { url: string }, orgId: string, events: string[]): Promise<WebhookReceiver> {
  const client = await createClient(server, { org: orgId, scopes: 'edit_integrations' });
  const token = await getToken(server.url, client);
  const receiver = await startReceiver();
  receiver.respond = () => 204;
  const r = await gql(server.url, token, 'mutation($i: WebhookInput!) { webhookCreate(input: $i) { id } }', {
    i: { endpoint: receiver.url, events },
  });
  if (r.status !== 200 || r.body.errors) throw new Error(`webhookCreate failed: ${JSON.stringify(r.body)}`);
  return receiver;
}
