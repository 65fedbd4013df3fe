/**
 * Scenario 4: how fast the background workers settle PENDING dispatchable requests.
 *
 * 1. `serve --no-workers` on its own fresh database; create `asyncOrders` OPENED orders.
 * 2. Queue `asyncRequests` `orderUpdate`s on them, round-robin (so each order's queue holds ~N/M requests, and
 *    the workers always have many orders to work on in parallel), or as many as fit in `enqueueMaxMs`. Each
 *    answers PENDING. This load is reported too, as an informational row (the enqueue path), against a bare
 *    measurement taken just before it.
 * 3. Stop the server, start `ordergraph worker`, and poll the database until no request is PENDING.
 * 4. Rate = (settled − 1) / (last completed_at − first completed_at): process start-up is excluded.
 */
import { performance } from 'node:perf_hooks';
import { backendCpuDeltaMs } from '../lib/bench-database.ts';
import { monotonicUs, processCpuMs } from '../lib/load.ts';
import { createOrders } from '../lib/ordergraph-client.ts';
import { startWorker } from '../lib/processes.ts';
import { ORDER_UPDATE } from './order-update-draft.ts';
import { httpRow, warmAndMeasure, type ResultRow, type Scenario } from './types.ts';

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export const asyncRequests: Scenario = {
  id: 'asyncRequests',
  title: 'PENDING requests settled by `ordergraph worker`',
  goal: { kind: 'rps', min: 5_000 },
  databases: ['sqlite', 'postgres'],
  async run(env) {
    const { asyncRequests: count, asyncOrders, drainTimeoutMs, enqueueMaxMs } = env.settings;
    const server = await env.ownServer({ label: 'async', noWorkers: true });
    const rows: ResultRow[] = [];
    try {
      env.log(`  creating ${asyncOrders} OPENED orders`);
      const orders = await createOrders(server.origin, server.merchantToken, asyncOrders, 'OPENED');
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${server.merchantToken}` };
      const bare = await env.measureBare();
      env.log(`  queuing ${count} PENDING requests (plus the warm-up's)`);
      const load = await warmAndMeasure(
        env,
        server,
        (phase) => ({
          request: (i) => ({
            path: '/graphql',
            headers,
            body: JSON.stringify({
              query: ORDER_UPDATE,
              variables: { input: { id: orders[i % orders.length], comment: `bench ${phase} ${i}` } },
            }),
          }),
          check: (status, text) => status === 200 && text.includes('"state":"PENDING"') && !text.includes('"errors"'),
        }),
        { requests: count, maxIssueMs: enqueueMaxMs },
      );
      rows.push(
        httpRow(this, env.dbKind, { load, bare, rounds: [] }, {
          id: 'asyncEnqueue',
          title: 'orderUpdate on an OPENED order (→ PENDING)',
          goal: null,
          notes: [
            'informational: the HTTP side of scenario 4 (one bare run before it, not interleaved)',
            ...(load.requests < count ? [`queued ${load.requests} of ${count} requests in the ${enqueueMaxMs / 1000} s allowed`] : []),
          ],
        }),
      );
      await server.stop();

      const db = server.db;
      const pendingNow = async () =>
        Number((await db.query<{ n: number }>("SELECT count(*) AS n FROM dispatchable_requests WHERE state = 'PENDING'"))[0].n);
      const pending = await pendingNow();
      env.log(`  ${pending} PENDING; starting the worker`);
      const since = new Date(Date.now() - 1).toISOString();
      const t0 = performance.now();
      const nodeFlags = env.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${env.profileDir}`] : [];
      const worker = startWorker({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, nodeFlags });
      let left = pending;
      let workerCpuPct: number | undefined;
      let workerCpuUsPerRequest: number | undefined;
      let pgBackendCpuUsPerRequest: number | undefined;
      let pgBackendCpuPct: number | undefined;
      let timedOut = false;
      // --profile asyncRequests: the worker's profile is summarised over the drain (first settled poll to the end).
      let profileWindowUs: { start: number; end: number } | undefined;
      try {
        let cpuStart: number | undefined;
        let cpuStartAt = 0;
        let settledAtCpuStart = 0;
        let pgStart: Map<number, number> | undefined;
        while (left > 0) {
          if (!worker.running) throw new Error(`the worker exited:\n${worker.output()}`);
          if (performance.now() - t0 > drainTimeoutMs) {
            timedOut = true;
            break;
          }
          await new Promise((r) => setTimeout(r, 200));
          left = await pendingNow();
          // CPU is counted from the first poll that sees requests settled, so start-up mostly stays out.
          if (cpuStart === undefined && left < pending) {
            cpuStart = await processCpuMs(worker.pid);
            pgStart = await db.backendCpu();
            cpuStartAt = performance.now();
            settledAtCpuStart = pending - left;
            profileWindowUs = { start: monotonicUs(), end: 0 };
          }
        }
        if (profileWindowUs) profileWindowUs.end = monotonicUs();
        const cpuEnd = await processCpuMs(worker.pid);
        const pgMs = backendCpuDeltaMs(pgStart, await db.backendCpu());
        if (cpuStart !== undefined && cpuEnd !== undefined) {
          workerCpuPct = round(((cpuEnd - cpuStart) / (performance.now() - cpuStartAt)) * 100, 0);
          const settledSince = pending - left - settledAtCpuStart;
          if (settledSince > 0) workerCpuUsPerRequest = round(((cpuEnd - cpuStart) * 1000) / settledSince, 1);
          if (pgMs !== undefined && settledSince > 0) {
            pgBackendCpuUsPerRequest = round((pgMs * 1000) / settledSince, 1);
            pgBackendCpuPct = round((pgMs / (performance.now() - cpuStartAt)) * 100, 0);
          }
        }
      } finally {
        await worker.stop();
      }
      const wallMs = performance.now() - t0;
      const [s] = await db.query<{ n: number; accepted: number; first: string | null; last: string | null }>(
        `SELECT count(*) AS n, sum(CASE WHEN state = 'ACCEPTED' THEN 1 ELSE 0 END) AS accepted,
                min(completed_at) AS first, max(completed_at) AS last
           FROM dispatchable_requests WHERE completed_at >= ? AND type = 'ORDER_UPDATE'`,
        [since],
      );
      const settled = Number(s.n);
      const spanMs = s.first && s.last ? Date.parse(s.last) - Date.parse(s.first) : 0;
      const rps = spanMs > 0 ? round(((settled - 1) * 1000) / spanMs) : 0;
      const notes: string[] = [];
      if (timedOut) notes.push(`drain timed out after ${drainTimeoutMs} ms with ${left} still PENDING: rate is over the part that settled`);
      if (Number(s.accepted) !== settled) notes.push(`${settled - Number(s.accepted)} of ${settled} were REJECTED, not ACCEPTED`);
      const goal = this.goal!;
      rows.push({
        scenario: this.id,
        title: this.title,
        db: env.dbKind,
        rps,
        goal,
        met: !timedOut && settled > 0 && rps >= (goal.kind === 'rps' ? goal.min : 0),
        details: {
          pendingAtStart: pending,
          settled,
          accepted: Number(s.accepted),
          stillPending: left,
          firstToLastMs: spanMs,
          wallMsIncludingStartup: round(wallMs),
          wallRps: round((settled * 1000) / wallMs),
          // From the first poll that saw a settled request to the end of the drain.
          workerCpuPct,
          workerCpuUsPerRequest,
          // What one fully available core would give at that CPU cost per request.
          cpuBoundCeilingRps: workerCpuUsPerRequest ? round(1e6 / workerCpuUsPerRequest, 0) : undefined,
          // PostgreSQL: CPU of the database's backends over the same span.
          ...(pgBackendCpuUsPerRequest !== undefined ? { pgBackendCpuUsPerRequest, pgBackendCpuPct } : {}),
          orders: asyncOrders,
        },
        notes,
        profileWindowsUs: profileWindowUs ? [profileWindowUs] : undefined,
      });
    } finally {
      await server.stop();
    }
    return rows;
  },
};
