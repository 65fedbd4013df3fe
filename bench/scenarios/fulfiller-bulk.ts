/**
 * Scenario 5: the Fulfiller API's bulk status update, `core { updateOrders(orders: …) }` on
 * `POST /fulfiller/graphql`, 1,000 orders per call, with the demo supplier's token.
 *
 * Set-up, on the shared server: `bulkOrders` (default 5,000) OPENED orders created with the merchant token,
 * 100 aliased `orderCreate`s per request (they are routed to the merchant's default supplier, the demo
 * supplier, at status 1 Received), split into chunks of 1,000. Call number k updates chunk k mod chunks, so
 * concurrent calls work on different orders (on PostgreSQL, concurrent calls on the same orders would wait on
 * each other's row locks).
 *
 * Every call is a real change for every one of its 1,000 orders: the status alternates 513 Received by Supplier
 * ↔ 256 On Hold from one visit of a chunk to the next (1 → 513 forward, 513 → 256 and 256 → 513 are allowed
 * from and to any open status, see src/orders/status-transitions.ts), and `shipping_carrier` is new on every
 * call, so even if two visits of a chunk ran out of order each order would still change. A response passes the
 * check only with no `errors` and no `null` entry.
 *
 * Measured: `bulkCalls` calls (default 30) with `bulkConnections` (default 2) in flight, split into the run's
 * rounds, each round after a bare-baseline slice. Reported: order updates/s, ms per call, server CPU per order
 * update. The ratio column is order updates/s ÷ bare req/s (order updates per bare request).
 */
import { createOrdersBulk } from '../lib/ordergraph-client.ts';
import { bulkPlan, everyItemOk, PER_CALL, supplierHeaders } from '../lib/bulk-calls.ts';
import { backendCpuDeltaMs, type BenchDbKind } from '../lib/bench-database.ts';
import { httpRow, type Goal, type Scenario } from './types.ts';

export const ORDERS_PER_CALL = PER_CALL;
const UPDATE_ORDERS = 'mutation($orders: [OrderInput]) { core { updateOrders(orders: $orders) { id status } } }';

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const goalFor = (db: BenchDbKind): Goal => ({ kind: 'rps', min: db === 'postgres' ? 20_000 : 50_000 });

export const fulfillerBulk: Scenario = {
  id: 'fulfillerBulk',
  title: 'Fulfiller API core.updateOrders, 1,000 orders per call',
  goal: goalFor('sqlite'),
  goalFor,
  databases: ['sqlite', 'postgres'],
  async run(env) {
    const { bulkConnections } = env.settings;
    const server = await env.server();
    const { chunkCount, perRound, warmupCalls } = bulkPlan(env.settings);
    if (chunkCount < bulkConnections + 1) {
      env.log(`  note: ${chunkCount} chunks of 1,000 for ${bulkConnections} connections; concurrent calls may share orders`);
    }
    env.log(`  creating ${chunkCount * ORDERS_PER_CALL} OPENED orders (100 aliased orderCreate per request)`);
    const t0 = Date.now();
    const created = await createOrdersBulk(server.origin, server.merchantToken, chunkCount * ORDERS_PER_CALL, 'OPENED');
    const setupMs = Date.now() - t0;
    const chunks = Array.from({ length: chunkCount }, (_, c) => created.slice(c * ORDERS_PER_CALL, (c + 1) * ORDERS_PER_CALL).map((o) => o.number));
    const headers = await supplierHeaders(server);

    // One sequence across warm-up and measurement, so each chunk's status keeps alternating.
    let seq = 0;
    const build = () => ({
      request: () => {
        const k = seq++;
        const chunk = chunks[k % chunkCount];
        const status = Math.floor(k / chunkCount) % 2 === 0 ? 513 : 256;
        const carrier = `bench-${k}`;
        return {
          path: '/fulfiller/graphql',
          headers,
          body: JSON.stringify({ query: UPDATE_ORDERS, variables: { orders: chunk.map((id) => ({ id, status, shipping_carrier: carrier })) } }),
        };
      },
      check: everyItemOk,
    });
    // PostgreSQL: its backends' CPU over warm-up + measurement (the bare slices in between do not touch it).
    const pg0 = await server.db.backendCpu();
    const measured = await env.compare(server, build, {
      connections: bulkConnections,
      requestsPerRound: perRound,
      warmupRequests: warmupCalls,
      maxRoundMs: 60_000,
    });
    const pgMs = backendCpuDeltaMs(pg0, await server.db.backendCpu());

    // httpRow counts calls; this scenario's unit is the order update (1,000 per successful call).
    const row = httpRow(this, env.dbKind, measured, { goal: null });
    const { load, bare } = measured;
    const ratios = measured.rounds.map((r) => round((r.rps * ORDERS_PER_CALL) / r.bareRps, 3)).sort((a, b) => a - b);
    const ordersPerSec = round(load.rps * ORDERS_PER_CALL);
    const cpuPerOrder = load.serverCpuUsPerRequest !== undefined ? round(load.serverCpuUsPerRequest / ORDERS_PER_CALL, 2) : undefined;
    const goal = goalFor(env.dbKind);
    row.rps = ordersPerSec;
    row.unit = 'orders/s';
    row.ratio = ratios[Math.floor(ratios.length / 2)];
    row.goal = goal;
    row.met = load.failed === 0 && load.ok > 0 && goal.kind === 'rps' && ordersPerSec >= goal.min;
    row.details = {
      ...row.details,
      unit: 'order updates (1,000 per call)',
      callsPerSec: load.rps,
      calls: load.requests,
      ordersUpdated: load.ok * ORDERS_PER_CALL,
      connections: bulkConnections,
      // latencyMs stays per call: ms per updateOrders call of 1,000 orders.
      serverCpuUsPerCall: load.serverCpuUsPerRequest,
      serverCpuUsPerRequest: cpuPerOrder,
      costRatio: cpuPerOrder && bare.serverCpuUsPerRequest ? round(bare.serverCpuUsPerRequest / cpuPerOrder, 3) : undefined,
      roundRatios: { min: ratios[0], median: row.ratio, max: ratios.at(-1) },
      ratioMeaning: 'order updates/s ÷ bare req/s, per round (median)',
      rounds: measured.rounds.map((r) => ({ ...r, ordersPerSec: round(r.rps * ORDERS_PER_CALL), ratio: round((r.rps * ORDERS_PER_CALL) / r.bareRps, 3) })),
      totalRatio: bare.rps > 0 ? round(ordersPerSec / bare.rps, 3) : 0,
      ...(pgMs !== undefined
        ? { pgBackendCpuUsPerCall: round((pgMs * 1000) / (measured.load.requests + warmupCalls)), pgBackendCpuUsPerOrder: round(pgMs / (measured.load.requests + warmupCalls), 2) }
        : {}),
      setup: { orders: chunkCount * ORDERS_PER_CALL, chunks: chunkCount, createMs: setupMs },
    };
    row.notes.push(
      `${load.ok} calls × 1,000 orders; ${round(load.latencyMs.p50, 0)} ms per call (p50), ${load.serverCpuUsPerRequest !== undefined ? round(load.serverCpuUsPerRequest / 1000, 0) : '?'} ms server CPU per call` +
        (pgMs !== undefined ? ` + ${round(pgMs / (load.requests + warmupCalls), 0)} ms PostgreSQL backend CPU` : ''),
    );
    return [row];
  },
};
