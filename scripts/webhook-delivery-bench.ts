/**
 * A rough measure of webhook delivery to a local receiver (for bench/): throughput of one worker process
 * draining a backlog, and commit → delivery latency of events as they happen. Uses the e2e helpers: a real
 * server child process, real tokens, a real HTTP receiver on 127.0.0.1.
 *
 *   node --import tsx scripts/webhook-delivery-bench.ts [backlogOrders=400] [latencyOrders=200]
 *   TEST_DB=postgres TEST_DATABASE_URL=postgres://... node --import tsx scripts/webhook-delivery-bench.ts
 */
import { startServer } from '../test/support/test-server.ts';
import { createClient, createOrganization, getToken } from '../test/support/oauth.ts';
import { gql } from '../test/support/graphql.ts';
import { pollUntil } from '../test/support/poll.ts';
import { startReceiver, type WebhookReceiver } from '../test/support/webhook-receiver.ts';

const backlogOrders = Number(process.argv[2] ?? 400);
const latencyOrders = Number(process.argv[3] ?? 200);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function tenant(server: Awaited<ReturnType<typeof startServer>>, receiver: WebhookReceiver) {
  const supplier = await createOrganization(server, { kind: 'SUPPLIER' });
  const merchant = await createOrganization(server, { kind: 'MERCHANT', defaultSupplier: supplier.id });
  const client = await createClient(server, { org: merchant.id, scopes: 'create_orders edit_integrations' });
  const token = await getToken(server.url, client);
  const r = await gql(server.url, token, 'mutation($i: WebhookInput!) { webhookCreate(input: $i) { id } }', { i: { endpoint: receiver.url } });
  if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
  return token;
}

async function createOrders(url: string, token: string, n: number, width: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next++ < n) {
        const r = await gql(url, token, 'mutation($i: OrderInput!) { orderCreate(input: $i) { id } }', {
          i: { state: 'OPENED', lines: [{ sku: 'S', quantity: 1 }] },
        });
        if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
      }
    }),
  );
}

const env = { ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true' };

// 1. Throughput: a backlog queued with no worker running, then drained by one `ordergraph worker`.
{
  const receiver = await startReceiver();
  const server = await startServer({ env, workers: 'none' });
  try {
    const token = await tenant(server, receiver);
    await createOrders(server.url, token, backlogOrders, 8);
    const events = backlogOrders * 3; // created, opened, status-changed
    const started = Date.now();
    await server.startWorker();
    await pollUntil(() => receiver.uniqueAccepted().length >= events, { timeoutMs: 600_000, intervalMs: 20 });
    const seconds = (Date.now() - started) / 1000;
    console.log(`throughput (${server.dbKind}): ${events} deliveries in ${seconds.toFixed(1)} s incl. worker start-up = ${(events / seconds).toFixed(0)}/s`);
    const first = Math.min(...receiver.received.map((r) => r.receivedAt));
    const last = Math.max(...receiver.received.map((r) => r.receivedAt));
    console.log(`throughput (${server.dbKind}), first to last delivery: ${(events / ((last - first) / 1000)).toFixed(0)}/s`);
  } finally {
    await server.stop();
    await receiver.stop();
  }
}

// 2. Latency: events committed one at a time (sequential orderCreate calls), in-process workers.
{
  const receiver = await startReceiver();
  const server = await startServer({ env });
  try {
    const token = await tenant(server, receiver);
    await createOrders(server.url, token, 20, 1); // warm-up
    await pollUntil(() => receiver.uniqueAccepted().length >= 60, { timeoutMs: 60_000 });
    const skip = receiver.received.length;
    await createOrders(server.url, token, latencyOrders, 1);
    await pollUntil(() => receiver.uniqueAccepted().length >= 60 + latencyOrders * 3, { timeoutMs: 120_000 });
    // header.date is the event's time, set inside the committing transaction.
    const report = (label: string, type?: string) => {
      const latencies = receiver.received
        .slice(skip)
        .filter((r) => !type || r.body.header.type === type)
        .map((r) => r.receivedAt - Date.parse(r.body.header.date))
        .sort((a, b) => a - b);
      console.log(
        `commit→delivery latency (${server.dbKind}), ${label}, ${latencies.length} events: p50 ${quantile(latencies, 0.5)} ms, p90 ${quantile(latencies, 0.9)} ms, p99 ${quantile(latencies, 0.99)} ms, max ${latencies.at(-1)} ms`,
      );
    };
    report('all');
    // Each order's three events share a queue key, so the 2nd and 3rd wait for the delivery before them.
    report('first event of each order', 'order/created');
  } finally {
    await server.stop();
    await receiver.stop();
  }
}
