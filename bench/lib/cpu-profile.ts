/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and summarises it: self time by function (name + url),
 * self time by package / source module, and inclusive time of the project's own functions. Samples can be cut
 * to a window given in CLOCK_MONOTONIC microseconds (the clock of both V8's profile timestamps and
 * `process.hrtime`), so start-up, seeding and warm-up stay out of the numbers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './processes.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  function: string;
  location: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  file: string;
  /** Sampled time in the window, idle excluded (ms). */
  busyMs: number;
  idleMs: number;
  windowed: boolean;
  samples: number;
  topSelf: ProfileRow[];
  byPackage: { package: string; ms: number; pct: number }[];
  /** Inclusive (self + callees) time of functions under src/. */
  topInclusiveSrc: ProfileRow[];
}

/** The main-thread profile in `dir` (file names end `.<pid>.<threadId>.<seq>.cpuprofile`; the main thread is 0). */
export function findMainProfile(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const main = files.filter((f) => f.split('.').at(-3) === '0');
  const pick = (main.length ? main : files)
    .map((f) => path.join(dir, f))
    .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
  return pick[0];
}

function shortUrl(url: string): string {
  let u = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  if (u.startsWith(`${REPO_ROOT}/`)) u = u.slice(REPO_ROOT.length + 1);
  return u;
}

function packageOf(frame: CallFrame): string {
  const name = frame.functionName;
  if (name === '(garbage collector)' || name === '(program)' || name === '(idle)' || name === '(root)') return name;
  const u = shortUrl(frame.url);
  if (u === '') return '(native / V8 builtins)';
  if (u.startsWith('node:')) return `node:${u.slice(5).split('/').slice(0, 2).join('/')}`;
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = u.slice(nm + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (u.startsWith('src/')) return u.split('/').slice(0, -1).join('/') || 'src';
  return u;
}

function keyOf(frame: CallFrame): string {
  return `${frame.functionName || '(anonymous)'}\u0000${shortUrl(frame.url)}`;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export function summariseProfile(file: string, windows?: { start: number; end: number }[], top = 25): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }

  // Sample i lasts from its timestamp to the next one's.
  const times: number[] = new Array(profile.samples.length);
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    times[i] = t;
  }
  const inWindow = (i: number) => !!windows && windows.some((w) => times[i] >= w.start && times[i] <= w.end);
  const windowed = windows !== undefined && times.some((_, i) => inWindow(i));
  const include = (i: number) => !windowed || inWindow(i);

  const self = new Map<string, { ms: number; line: number }>();
  const packages = new Map<string, number>();
  const inclusive = new Map<string, { ms: number; line: number }>();
  const srcStack = new Map<number, { key: string; line: number }[]>();
  const srcFramesOf = (id: number): { key: string; line: number }[] => {
    const cached = srcStack.get(id);
    if (cached) return cached;
    const seen = new Set<string>();
    const out: { key: string; line: number }[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (!shortUrl(f.url).startsWith('src/')) continue;
      const k = keyOf(f);
      if (!seen.has(k)) {
        seen.add(k);
        out.push({ key: k, line: f.lineNumber + 1 });
      }
    }
    srcStack.set(id, out);
    return out;
  };

  let busyUs = 0;
  let idleUs = 0;
  let samples = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (!include(i)) continue;
    const dt = i + 1 < times.length ? times[i + 1] - times[i] : 0;
    const node = byId.get(profile.samples[i])!;
    samples++;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += dt;
      continue;
    }
    busyUs += dt;
    const k = keyOf(node.callFrame);
    const s = self.get(k) ?? { ms: 0, line: node.callFrame.lineNumber + 1 };
    s.ms += dt / 1000;
    self.set(k, s);
    const p = packageOf(node.callFrame);
    packages.set(p, (packages.get(p) ?? 0) + dt / 1000);
    for (const f of srcFramesOf(node.id)) {
      const e = inclusive.get(f.key) ?? { ms: 0, line: f.line };
      e.ms += dt / 1000;
      inclusive.set(f.key, e);
    }
  }
  const busyMs = busyUs / 1000;
  const pct = (ms: number) => round((ms / busyMs) * 100, 1);
  const rows = (m: Map<string, { ms: number; line: number }>) =>
    [...m.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, top)
      .map(([k, v]) => {
        const [fn, url] = k.split('\u0000');
        // tsx-compiled sources report line 1 for everything: a line number is only shown when it means something.
        return { function: fn, location: url && v.line > 1 ? `${url}:${v.line}` : url, ms: round(v.ms), pct: pct(v.ms) };
      });
  return {
    file,
    busyMs: round(busyMs),
    idleMs: round(idleUs / 1000),
    windowed,
    samples,
    topSelf: rows(self),
    byPackage: [...packages.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([p, ms]) => ({ package: p, ms: round(ms), pct: pct(ms) })),
    topInclusiveSrc: rows(inclusive),
  };
}

export function formatProfile(s: ProfileSummary): string {
  const lines: string[] = [];
  lines.push(
    `CPU profile ${path.relative(REPO_ROOT, s.file)}: ${s.samples} samples, ${s.busyMs} ms busy, ${s.idleMs} ms idle` +
      (s.windowed ? ' (measurement window only)' : ' (whole process: the window could not be matched)'),
  );
  const table = (title: string, head: string[], body: string[][]) => {
    lines.push('', title);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
    const fmt = (r: string[]) => r.map((c, i) => (i < 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
    lines.push(fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt));
  };
  table(
    'Top functions by self time',
    ['self ms', 'self %', 'function', 'location'],
    s.topSelf.map((r) => [r.ms.toFixed(1), r.pct.toFixed(1), r.function, r.location]),
  );
  table(
    'Self time by package / source module',
    ['self ms', 'self %', 'package'],
    s.byPackage.map((r) => [r.ms.toFixed(1), r.pct.toFixed(1), r.package]),
  );
  table(
    'Project functions (src/) by inclusive time',
    ['incl ms', 'incl %', 'function', 'location'],
    s.topInclusiveSrc.map((r) => [r.ms.toFixed(1), r.pct.toFixed(1), r.function, r.location]),
  );
  return lines.join('\n');
}
