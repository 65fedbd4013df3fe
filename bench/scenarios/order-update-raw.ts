/**
 * The PostgreSQL floor of `orderUpdate` (bench/lib/raw-order-update.ts): the same statements of a DRAFT change
 * from raw pipelined pg connections, as many as the HTTP load's connections, in `rounds` rounds of (bare slice, raw
 * slice) so the ratio to the bare server is taken like the HTTP one. One row per shape; with the backends' CPU and
 * the WAL written and synced per change (pg_stat_wal is cluster-wide: other work in the cluster counts too).
 */
import type { BenchServer, ResultRow, ScenarioEnv } from './types.ts';
import { openRawOrderUpdates, type RawShape, type RawSlice } from '../lib/raw-order-update.ts';

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const SHAPES: Record<RawShape, string> = {
  three: 'three round trips (the server of session 8)',
  two: 'two round trips, one statement a write',
  now: "two round trips, the server's statements",
  cte: 'two round trips, the writes as one statement',
};

export interface WalStats {
  records: number;
  bytes: number;
  syncs: number;
  writes: number;
}

export async function walStats(server: BenchServer): Promise<WalStats | undefined> {
  if (server.db.kind !== 'postgres') return undefined;
  const [r] = await server.db.query<{ wal_records: string; wal_bytes: string; wal_sync: string; wal_write: string }>(
    'SELECT wal_records, wal_bytes, wal_sync, wal_write FROM pg_stat_wal',
  );
  return { records: Number(r.wal_records), bytes: Number(r.wal_bytes), syncs: Number(r.wal_sync), writes: Number(r.wal_write) };
}

/** WAL per change between two samples. */
export function walPerChange(a: WalStats | undefined, b: WalStats | undefined, changes: number) {
  if (!a || !b || changes === 0) return undefined;
  const per = (x: number) => round(x / changes, 3);
  return { records: per(b.records - a.records), bytes: per(b.bytes - a.bytes), syncs: per(b.syncs - a.syncs), writes: per(b.writes - a.writes) };
}

export async function rawOrderUpdateRows(env: ScenarioEnv, server: BenchServer, orders: string[]): Promise<ResultRow[]> {
  const { connections, rounds, durationMs, warmupMs } = env.settings;
  const slice = durationMs / rounds;
  const raw = await openRawOrderUpdates(
    server.db.databaseUrl!,
    orders,
    { organizationId: server.demo.merchant.org_id, clientId: server.demo.merchant.client_id },
    connections,
  );
  const rows: ResultRow[] = [];
  try {
    for (const shape of ['now', 'cte'] as RawShape[]) {
      await raw.run(shape, warmupMs / 2 || slice);
      const wal0 = await walStats(server);
      const slices: RawSlice[] = [];
      const perRound: { rps: number; bareRps: number; ratio: number }[] = [];
      for (let r = 0; r < rounds; r++) {
        const bare = await env.bareSlice(slice);
        const s = await raw.run(shape, slice);
        slices.push(s);
        const rps = (s.changes * 1000) / s.ms;
        perRound.push({ rps: round(rps), bareRps: round(bare.rps), ratio: round(rps / bare.rps, 3) });
      }
      const wal1 = await walStats(server);
      const changes = slices.reduce((a, s) => a + s.changes, 0);
      const ms = slices.reduce((a, s) => a + s.ms, 0);
      const clientUs = (slices.reduce((a, s) => a + s.clientCpuMs, 0) * 1000) / changes;
      const backendUs = slices.every((s) => s.backendCpuMs !== undefined)
        ? (slices.reduce((a, s) => a + s.backendCpuMs!, 0) * 1000) / changes
        : undefined;
      const ratio = median(perRound.map((r) => r.ratio));
      const rps = round((changes * 1000) / ms);
      const bareRps = median(perRound.map((r) => r.bareRps));
      const wal = walPerChange(wal0, wal1, changes);
      rows.push({
        scenario: `orderUpdate raw ${shape}`,
        title: `orderUpdate's statements from ${connections} raw pipelined pg connections, ${SHAPES[shape]}`,
        db: env.dbKind,
        rps,
        bareRps,
        ratio,
        details: {
          shape,
          connections,
          changes,
          clientCpuUsPerChange: round(clientUs),
          serverCpuUsPerRequest: round(clientUs), // the table's CPU column: the raw clients' (bench process) CPU
          pgBackendCpuUsPerChange: backendUs !== undefined ? round(backendUs) : undefined,
          walPerChange: wal,
          roundRatios: { min: Math.min(...perRound.map((r) => r.ratio)), median: ratio, max: Math.max(...perRound.map((r) => r.ratio)) },
          rounds: perRound,
        },
        notes: [
          `raw ${shape}: ${rps.toLocaleString('en-US')} changes/s, ratio ${ratio} (rounds ${perRound.map((r) => r.ratio).join(', ')}); ` +
            `CPU a change: ${round(clientUs)} µs pg client + ${backendUs !== undefined ? round(backendUs) : '?'} µs PostgreSQL backend` +
            (wal ? `; WAL a change: ${wal.records} records, ${wal.bytes} bytes, ${wal.syncs} fsyncs` : ''),
        ],
      });
    }
  } finally {
    await raw.close();
  }
  return rows;
}
