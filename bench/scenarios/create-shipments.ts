/**
 * The Fulfiller API's bulk shipment creation (#15), `core { createShipments(shipments: …) }` on
 * `POST /fulfiller/graphql`, 1,000 shipments per call, with the demo supplier's token; and, interleaved with it,
 * the same writes as raw set-based SQL on the bench's own connection (bench/lib/raw-shipments.ts).
 *
 * Set-up, on the shared server: (`bulkOrders` / 1,000 + 1) chunks of 1,000 OPENED orders (default 6,000), created
 * with the merchant token as fulfillerBulk does, but with one line of 1,000 units each, so that every call can ship
 * one more unit of each order's line (partial shipments: the line is PARTIALLY_FULFILLED, the delivery order stays
 * at its status; the last unit, which would dispatch it, is never reached). The last chunk is the raw baseline's.
 * The line ids come from the bench database (read-only).
 *
 * Call k ships one unit of each order of chunk k mod chunks, one shipment per order:
 * `{order_id, items: [{id, quantity: 1}], shipping_carrier, tracking_number, tracking_url}`, and selects
 * `id order_id`; it passes the check only with no `errors` and no `null` entry.
 *
 * Measured: `rounds` rounds of (raw slice, HTTP slice). A raw slice runs as many transactions as the HTTP slice
 * makes calls (`bulkCalls / rounds`, one transaction at a time); the HTTP slice runs them with `bulkConnections`
 * in flight. Both are warmed up first (2 transactions; 2 × `bulkConnections` calls). Reported: shipments/s,
 * raw shipments/s in the bare column, ratio = shipments/s ÷ raw shipments/s (median of the rounds), ms per call,
 * CPU per shipment: the server's (Node) beside the raw side's (the bench process while it ran the raw
 * transactions: all of SQLite's work; on PostgreSQL only the client's), and on PostgreSQL the backends' CPU of
 * each side in the JSON. The cost ratio is raw CPU ÷ product CPU per shipment, backends included.
 */
import { backendCpuDeltaMs, type BenchDbKind } from '../lib/bench-database.ts';
import { combineLoads, processCpuMs, runLoad, type LoadResult } from '../lib/load.ts';
import { createOrdersBulk } from '../lib/ordergraph-client.ts';
import { bulkPlan, everyItemOk, PER_CALL, supplierHeaders } from '../lib/bulk-calls.ts';
import { openRawShipments, type RawOrder } from '../lib/raw-shipments.ts';
import type { Goal, ResultRow, Scenario } from './types.ts';

export const SHIPMENTS_PER_CALL = PER_CALL;
/** Units of each order's one line: one is shipped per visit of its chunk. */
const UNITS = 1000;
const RAW_WARMUP = 2;
const CREATE = 'mutation($s: [ShipmentInput]) { core { createShipments(shipments: $s) { id order_id } } }';

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const goalFor = (db: BenchDbKind): Goal => ({ kind: 'rps', min: db === 'postgres' ? 10_000 : 30_000 });

interface OrderLine {
  number: number;
  order_id: string;
  do_id: string;
  line_id: number;
  quantity: number;
  fulfilled_quantity: number;
  organization_id: string;
  supplier_id: string;
  o_rowid?: number;
  d_rowid?: number;
}

export const createShipmentsScenario: Scenario = {
  id: 'createShipments',
  title: 'Fulfiller API core.createShipments, 1,000 shipments per call, vs raw SQL',
  goal: goalFor('sqlite'),
  goalFor,
  databases: ['sqlite', 'postgres'],
  async run(env) {
    const { bulkConnections, rounds } = env.settings;
    const server = await env.server();
    const { chunkCount, perRound, warmupCalls } = bulkPlan(env.settings);
    const visits = Math.ceil((warmupCalls + perRound * rounds) / chunkCount);
    if (Math.max(visits, RAW_WARMUP + perRound * rounds) > UNITS) {
      throw new Error(`${perRound * rounds} calls would ship more than the ${UNITS} units of a line: fewer --bulk-calls or more --bulk-orders`);
    }
    const total = (chunkCount + 1) * SHIPMENTS_PER_CALL;
    env.log(`  creating ${total} OPENED orders of one line of ${UNITS} units (100 aliased orderCreate per request)`);
    const t0 = Date.now();
    const created = await createOrdersBulk(server.origin, server.merchantToken, total, 'OPENED', 4, UNITS);
    const setupMs = Date.now() - t0;

    // Each order's delivery order (same number) and its one line, from the bench database.
    const numbers = created.map((o) => o.number);
    const sqlite = server.db.kind === 'sqlite';
    const rows = await server.db.query<OrderLine>(
      `SELECT d.number AS number, d.order_id AS order_id, d.id AS do_id, l.id AS line_id, l.quantity AS quantity,
          l.fulfilled_quantity AS fulfilled_quantity, d.organization_id AS organization_id, d.supplier_id AS supplier_id
          ${sqlite ? ', o.rowid AS o_rowid, d.rowid AS d_rowid' : ''}
        FROM delivery_orders d JOIN orders o ON o.id = d.order_id JOIN order_lines l ON l.delivery_order_id = d.id
        WHERE d.number >= ? AND d.number <= ?`,
      [Math.min(...numbers), Math.max(...numbers)],
    );
    const byNumber = new Map(rows.map((r) => [Number(r.number), r]));
    const lineOf = (n: number) => {
      const r = byNumber.get(n);
      if (!r) throw new Error(`order ${n}: no delivery order with one line found in the bench database`);
      return r;
    };
    const chunks = Array.from({ length: chunkCount }, (_, c) =>
      numbers.slice(c * SHIPMENTS_PER_CALL, (c + 1) * SHIPMENTS_PER_CALL).map((n) => ({ number: n, line: Number(lineOf(n).line_id) })),
    );
    const rawOrders: RawOrder[] = numbers.slice(chunkCount * SHIPMENTS_PER_CALL).map((n) => {
      const r = lineOf(n);
      return {
        orderId: r.order_id,
        deliveryOrderId: r.do_id,
        number: Number(r.number),
        lineId: Number(r.line_id),
        quantity: Number(r.quantity),
        fulfilled: Number(r.fulfilled_quantity),
        orderRowid: r.o_rowid,
        deliveryOrderRowid: r.d_rowid,
      };
    });
    const first = lineOf(numbers[0]);
    const raw = await openRawShipments(server.db, rawOrders, {
      organizationId: first.organization_id,
      supplierId: first.supplier_id,
      clientId: server.demo.supplier.client_id,
    });

    try {
      const headers = await supplierHeaders(server);
      // One sequence across warm-up and measurement: call k ships one more unit of each order of chunk k mod chunks.
      let seq = 0;
      const request = () => {
        const k = seq++;
        const shipments = chunks[k % chunkCount].map((o) => ({
          order_id: o.number,
          items: [{ id: o.line, quantity: 1 }],
          shipping_carrier: 'DHL',
          tracking_number: `bench-${k}-${o.number}`,
          tracking_url: `https://track.example/bench-${k}-${o.number}`,
        }));
        return { path: '/fulfiller/graphql', headers, body: JSON.stringify({ query: CREATE, variables: { s: shipments } }) };
      };
      const http = (requests: number, serverPid?: number) =>
        runLoad({ origin: server.origin, connections: bulkConnections, requests, durationMs: 60_000, request, check: everyItemOk, serverPid });

      /** `n` raw transactions, one at a time: wall ms, this process's CPU ms, and the raw backend's CPU ms (PostgreSQL). */
      const rawSlice = async (n: number) => {
        const pg0 = await processCpuMs(raw.backendPid);
        const cpu0 = process.cpuUsage();
        const t = performance.now();
        for (let i = 0; i < n; i++) await raw.run();
        const ms = performance.now() - t;
        const cpu = process.cpuUsage(cpu0);
        const pg1 = await processCpuMs(raw.backendPid);
        return { ms, cpuMs: (cpu.user + cpu.system) / 1000, pgMs: pg0 !== undefined && pg1 !== undefined ? pg1 - pg0 : undefined };
      };

      env.log(`  warm-up: ${RAW_WARMUP} raw transactions, ${warmupCalls} calls; then ${rounds} rounds of ${perRound} raw transactions + ${perRound} calls`);
      // PostgreSQL: every backend's CPU over warm-up + measurement, the raw connection's taken out below.
      const pgBefore = await server.db.backendCpu();
      await rawSlice(RAW_WARMUP);
      const warm = await http(warmupCalls);
      if (warm.failed > 0) throw new Error(`warm-up calls failed: ${warm.errors[0]}`);
      const loads: LoadResult[] = [];
      const raws: Awaited<ReturnType<typeof rawSlice>>[] = [];
      for (let r = 0; r < rounds; r++) {
        raws.push(await rawSlice(perRound));
        loads.push(await http(perRound, server.pid));
      }
      const pgAfter = await server.db.backendCpu();
      const txs = RAW_WARMUP + perRound * rounds;
      const rawStatementMs = Object.fromEntries(Object.entries(raw.statementMs).map(([k, v]) => [k, round(v / txs, 2)]));
      if (raw.backendPid !== undefined) {
        pgBefore?.delete(raw.backendPid);
        pgAfter?.delete(raw.backendPid);
      }
      const pgMs = backendCpuDeltaMs(pgBefore, pgAfter);

      // What was written: the HTTP chunks' lines and the raw chunk's lines, units shipped.
      // (Chunks are not ranges of numbers: the creating requests ran 4 at a time.)
      const shippedOf = async (nums: number[]) =>
        (
          await server.db.query<{ lo: number; hi: number }>(
            `SELECT min(l.fulfilled_quantity) AS lo, max(l.fulfilled_quantity) AS hi FROM delivery_orders d JOIN order_lines l ON l.delivery_order_id = d.id
              WHERE d.number IN (${nums.map(() => '?').join(', ')})`,
            nums,
          )
        )[0];
      const httpShipped = await shippedOf(numbers.slice(0, chunkCount * SHIPMENTS_PER_CALL));
      const rawShipped = await shippedOf(rawOrders.map((o) => o.number));

      const load = combineLoads(loads);
      const perShipment = (x: number | undefined) => (x === undefined ? undefined : round(x / SHIPMENTS_PER_CALL, 2));
      const roundRows = loads.map((l, i) => {
        const rawPerSec = (perRound * SHIPMENTS_PER_CALL * 1000) / raws[i].ms;
        const perSec = l.rps * SHIPMENTS_PER_CALL;
        return { shipmentsPerSec: round(perSec), rawShipmentsPerSec: round(rawPerSec), ratio: round(perSec / rawPerSec, 3) };
      });
      const rawMs = raws.reduce((a, r) => a + r.ms, 0);
      const rawTx = perRound * rounds;
      const rawPerSec = round((rawTx * SHIPMENTS_PER_CALL * 1000) / rawMs);
      const shipmentsPerSec = round(load.rps * SHIPMENTS_PER_CALL);
      const rawCpuUs = round((raws.reduce((a, r) => a + r.cpuMs, 0) * 1000) / (rawTx * SHIPMENTS_PER_CALL), 2);
      const rawPgUs = raws.every((r) => r.pgMs !== undefined)
        ? round((raws.reduce((a, r) => a + r.pgMs!, 0) * 1000) / (rawTx * SHIPMENTS_PER_CALL), 2)
        : undefined;
      const serverCpuUs = perShipment(load.serverCpuUsPerRequest);
      const calls = load.requests + warmupCalls;
      const serverPgUs = pgMs !== undefined ? round((pgMs * 1000) / (calls * SHIPMENTS_PER_CALL), 2) : undefined;
      const productCpu = serverCpuUs !== undefined ? serverCpuUs + (serverPgUs ?? 0) : undefined;
      const rawCpu = rawCpuUs + (rawPgUs ?? 0);
      const ratio = median(roundRows.map((r) => r.ratio));
      const goal = goalFor(env.dbKind);
      const notes: string[] = [];
      if (load.failed > 0) notes.push(`${load.failed} of ${load.requests} calls failed the check, e.g. ${load.errors[0]}`);
      notes.push(
        `bare column = raw set-based SQL, ${rawPerSec.toLocaleString('en-US')} shipments/s (${round(rawMs / rawTx, 1)} ms a transaction of 1,000); ratio = shipments/s ÷ raw`,
        `${load.ok} calls × 1,000 shipments; ${round(load.latencyMs.p50, 0)} ms per call (p50); CPU per call: ${serverCpuUs !== undefined ? round(serverCpuUs, 0) : '?'} ms Node` +
          (serverPgUs !== undefined ? ` + ${round(serverPgUs, 0)} ms PostgreSQL backend` : '') +
          `; raw transaction: ${round(rawCpuUs, 0)} ms bench process` +
          (rawPgUs !== undefined ? ` + ${round(rawPgUs, 0)} ms PostgreSQL backend` : ''),
        `raw ms per transaction: ${Object.entries(rawStatementMs).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      );
      const row: ResultRow = {
        scenario: this.id,
        title: this.title,
        db: env.dbKind,
        rps: shipmentsPerSec,
        unit: 'shipments/s',
        bareRps: rawPerSec,
        ratio,
        goal,
        met: load.failed === 0 && load.ok > 0 && goal.kind === 'rps' && shipmentsPerSec >= goal.min,
        details: {
          unit: 'shipments (1,000 per call)',
          ratioMeaning: 'shipments/s ÷ raw set-based SQL shipments/s, per round (median)',
          callsPerSec: load.rps,
          calls: load.requests,
          failed: load.failed,
          shipmentsCreated: load.ok * SHIPMENTS_PER_CALL,
          connections: bulkConnections,
          durationMs: load.durationMs,
          latencyMs: load.latencyMs, // per call
          serverCpuPct: load.serverCpuPct,
          serverCpuUsPerCall: load.serverCpuUsPerRequest,
          serverCpuUsPerRequest: serverCpuUs, // per shipment, for the table
          costRatio: productCpu ? round(rawCpu / productCpu, 3) : undefined,
          clientCpuPct: load.clientCpuPct,
          bare: {
            what: 'raw set-based SQL on the bench connection, one transaction of 1,000 shipments at a time',
            rps: rawPerSec,
            transactions: rawTx,
            msPerTransaction: round(rawMs / rawTx, 2),
            serverCpuUsPerRequest: rawCpuUs, // bench-process CPU per shipment (all of SQLite's work; PostgreSQL: the client's)
            ...(rawPgUs !== undefined ? { pgBackendCpuUsPerShipment: rawPgUs } : {}),
            msPerStatement: rawStatementMs, // wall ms per transaction, warm-up included
          },
          ...(serverPgUs !== undefined ? { pgBackendCpuUsPerShipment: serverPgUs, pgBackendCpuMsPerCall: round(serverPgUs, 1) } : {}),
          totalRatio: round(shipmentsPerSec / rawPerSec, 3),
          roundRatios: { min: Math.min(...roundRows.map((r) => r.ratio)), median: ratio, max: Math.max(...roundRows.map((r) => r.ratio)) },
          rounds: roundRows,
          written: { httpLinesUnitsShipped: httpShipped, rawLinesUnitsShipped: rawShipped },
          setup: { orders: total, chunks: chunkCount, rawChunk: 1, unitsPerLine: UNITS, createMs: setupMs },
        },
        notes,
        load,
      };
      return [row];
    } finally {
      await raw.close();
    }
  },
};
