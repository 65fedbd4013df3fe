/** The bench's results table on stdout (bench/run.ts); the JSON holds the same numbers unrounded. */
import type { Goal, ResultRow } from '../scenarios/types.ts';

function goalText(g: Goal | undefined): string {
  if (!g) return '—';
  if (g.kind === 'p99Ms') return `p99 < ${g.max} ms`;
  return g.kind === 'rps' ? `≥ ${g.min.toLocaleString('en-US')}/s` : `ratio ≥ ${g.min.toFixed(2)}`;
}

function cpuPerRequest(r: ResultRow): string {
  const d = r.details as { serverCpuUsPerRequest?: number; workerCpuUsPerRequest?: number; bare?: { serverCpuUsPerRequest?: number } };
  const own = d.serverCpuUsPerRequest ?? d.workerCpuUsPerRequest;
  if (own === undefined) return '—';
  const b = d.bare?.serverCpuUsPerRequest;
  return `${Math.round(own)}${b !== undefined ? ` (${Math.round(b)})` : ''}`;
}

function range(r: ResultRow): string {
  const rr = r.details.roundRatios as { min: number; max: number } | undefined;
  return rr ? `${rr.min.toFixed(3)}–${rr.max.toFixed(3)}` : '—';
}

/** The table `npm run bench` prints: a row per scenario, numbers right-aligned. */
export function resultsTable(rows: ResultRow[]): string {
  const head = ['scenario', 'db', 'req/s', 'bare req/s', 'ratio', 'rounds min–max', 'goal', 'met?', 'p50 ms', 'p99 ms', 'srv CPU', 'CPU µs/req (bare)', 'cost ratio', 'cli CPU'];
  const body = rows.map((r) => {
    const lat = r.details.latencyMs as { p50: number; p99: number } | undefined;
    const pct = (v: unknown) => (typeof v === 'number' ? `${v}%` : '—');
    return [
      r.scenario,
      r.db,
      `${Math.round(r.rps).toLocaleString('en-US')}${r.unit ? ` ${r.unit}` : ''}`, // e.g. "52,000 orders/s"; plain req/s otherwise
      r.bareRps !== undefined ? Math.round(r.bareRps).toLocaleString('en-US') : '—',
      r.ratio !== undefined ? r.ratio.toFixed(3) : '—',
      range(r),
      goalText(r.goal),
      r.met === undefined ? '—' : r.met ? 'yes' : 'NO',
      lat ? lat.p50.toFixed(2) : '—',
      lat ? lat.p99.toFixed(2) : '—',
      pct(r.details.serverCpuPct ?? r.details.workerCpuPct),
      cpuPerRequest(r),
      typeof r.details.costRatio === 'number' ? r.details.costRatio.toFixed(3) : '—',
      pct(r.details.clientCpuPct),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const right = new Set([2, 3, 4, 5, 8, 9, 10, 11, 12, 13]);
  const fmt = (r: string[]) => r.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ');
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(fmt)].join('\n');
}
