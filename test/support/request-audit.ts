/**
 * Exactly-once checks for dispatchable requests, for the durability and concurrency tests: counts requests by
 * state straight from the database (cheap enough to poll), and audits a finished run against what the test sent,
 * reading orders and their history over the Orders API and requests, jobs and outbox rows from the database.
 *
 * The invariants (DESIGN rules 2–3): every PENDING request ends ACCEPTED or REJECTED, through exactly one
 * `request.apply` job that ends `done`, with exactly one `request/accepted|rejected` outbox event; each accepted
 * change is exactly one `updated` history row, naming the HTTP request that asked for it (`requestId` = the
 * request row's `request_id`), in job order; and
 * every version bump has its history row (`version` = number of events).
 */
import type { DirectDb } from './direct-db.ts';
import { getOrder, mapLimit, type OrderSnapshot } from './order-fixtures.ts';
import { pollUntil } from './poll.ts';

export interface RequestCounts {
  PENDING: number;
  ACCEPTED: number;
  REJECTED: number;
  total: number;
}

export async function requestCounts(db: DirectDb): Promise<RequestCounts> {
  const rows = await db.query<{ state: string; n: number | string }>(
    'SELECT state, count(*) AS n FROM dispatchable_requests GROUP BY state',
  );
  const counts: RequestCounts = { PENDING: 0, ACCEPTED: 0, REJECTED: 0, total: 0 };
  for (const r of rows) {
    counts[r.state as 'PENDING'] = Number(r.n);
    counts.total += Number(r.n);
  }
  return counts;
}

/** Polls until no request is PENDING (and at least `expectedTotal` exist); returns the final counts. */
export async function waitUntilSettled(
  db: DirectDb,
  expectedTotal: number,
  opts: { timeoutMs: number; diagnose?: () => Promise<string> | string },
): Promise<RequestCounts> {
  let last: RequestCounts | undefined;
  try {
    return await pollUntil(
      async () => {
        last = await requestCounts(db);
        return last.total >= expectedTotal && last.PENDING === 0 ? last : undefined;
      },
      { timeoutMs: opts.timeoutMs, intervalMs: 100, message: 'every dispatchable request settled' },
    );
  } catch (e) {
    const extra = opts.diagnose ? `\n${await opts.diagnose()}` : '';
    throw new Error(`${(e as Error).message}; last counts ${JSON.stringify(last)}${extra}`);
  }
}

/** Queued `request.apply` jobs and who holds them, for failure messages. */
export async function describeJobs(db: DirectDb): Promise<string> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT state, locked_by, attempts, count(*) AS n, min(locked_until) AS lease_from, max(locked_until) AS lease_to,
            max(last_error) AS last_error
       FROM jobs WHERE kind = 'request.apply' GROUP BY state, locked_by, attempts ORDER BY state, attempts`,
  );
  return `jobs: ${JSON.stringify(rows, null, 1)}`;
}

/** What a test sent: the request id the API answered, the order it targets, and the comment it sets. */
export interface SentUpdate {
  requestId: string;
  orderId: string;
  comment: string;
}

export interface AuditResult {
  /** Human-readable violations; empty when every invariant holds. */
  problems: string[];
  orders: Map<string, OrderSnapshot>;
  /** Request id → final state. */
  states: Map<string, string>;
  /** Job id per request, and which worker last claimed it. */
  jobs: Map<string, { id: number; lockedBy: string | null; attempts: number }>;
}

/**
 * Audits `sent` (updates of OPENED orders, each setting a distinct comment) after every request settled.
 * `token` must be able to read the orders on the Orders API.
 */
export async function auditRequests(db: DirectDb, url: string, token: string, sent: readonly SentUpdate[]): Promise<AuditResult> {
  const problems: string[] = [];
  const byId = new Map(sent.map((s) => [s.requestId, s]));

  const requestRows = await db.query<{ id: string; order_id: string; state: string; request_id: string | null }>(
    `SELECT id, order_id, state, request_id FROM dispatchable_requests WHERE type = 'ORDER_UPDATE'`,
  );
  const states = new Map<string, string>();
  const httpRequestOf = new Map<string, string | null>();
  for (const r of requestRows) {
    if (!byId.has(r.id)) continue;
    states.set(r.id, r.state);
    httpRequestOf.set(r.id, r.request_id);
  }
  for (const s of sent) {
    const state = states.get(s.requestId);
    if (state === undefined) problems.push(`request ${s.requestId} (${s.comment}) is missing from dispatchable_requests`);
    else if (state !== 'ACCEPTED' && state !== 'REJECTED') problems.push(`request ${s.requestId} (${s.comment}) is still ${state}`);
  }

  const jobRows = await db.query<{ id: number | string; payload: string; state: string; attempts: number | string; locked_by: string | null; last_error: string | null }>(
    `SELECT id, payload, state, attempts, locked_by, last_error FROM jobs WHERE kind = 'request.apply' ORDER BY id`,
  );
  const jobs = new Map<string, { id: number; lockedBy: string | null; attempts: number }>();
  for (const j of jobRows) {
    const requestId = (JSON.parse(j.payload) as { requestId: string }).requestId;
    if (!byId.has(requestId)) continue;
    if (jobs.has(requestId)) problems.push(`request ${requestId} has more than one request.apply job (${jobs.get(requestId)!.id}, ${j.id})`);
    jobs.set(requestId, { id: Number(j.id), lockedBy: j.locked_by, attempts: Number(j.attempts) });
    if (j.state !== 'done') problems.push(`job ${j.id} of request ${requestId} ended '${j.state}' (last error: ${j.last_error})`);
  }
  for (const s of sent) if (!jobs.has(s.requestId)) problems.push(`request ${s.requestId} has no request.apply job`);

  const outcomeRows = await db.query<{ type: string; payload: string }>(
    `SELECT type, payload FROM outbox_events WHERE type IN ('request/accepted', 'request/rejected')`,
  );
  const outcomes = new Map<string, string[]>();
  for (const o of outcomeRows) {
    const id = (JSON.parse(o.payload) as { id: string }).id;
    if (byId.has(id)) outcomes.set(id, [...(outcomes.get(id) ?? []), o.type]);
  }
  for (const s of sent) {
    const types = outcomes.get(s.requestId) ?? [];
    const state = states.get(s.requestId);
    const expected = state === 'ACCEPTED' ? 'request/accepted' : state === 'REJECTED' ? 'request/rejected' : undefined;
    if (expected && (types.length !== 1 || types[0] !== expected)) {
      problems.push(`request ${s.requestId} (${state}) has outcome events ${JSON.stringify(types)}, expected exactly one ${expected}`);
    }
  }

  const orderIds = [...new Set(sent.map((s) => s.orderId))];
  const snapshots = await mapLimit(orderIds, 8, (id) => getOrder(url, token, id));
  const orders = new Map(snapshots.map((o) => [o.id, o]));
  const jobOf = (requestId: string) => jobs.get(requestId)?.id ?? Number.MAX_SAFE_INTEGER;

  for (const order of snapshots) {
    const label = `order ${order.number} (${order.id})`;
    if (order.version !== order.events.length) {
      problems.push(`${label}: version ${order.version} but ${order.events.length} history events (${order.events.map((e) => e.action).join(', ')})`);
    }
    const accepted = sent
      .filter((s) => s.orderId === order.id && states.get(s.requestId) === 'ACCEPTED')
      .sort((a, b) => jobOf(a.requestId) - jobOf(b.requestId));
    const expected = accepted.map((s) => `${httpRequestOf.get(s.requestId)} comment=${s.comment}`);
    const actual = order.events
      .filter((e) => e.action === 'updated')
      .map((e) => `${e.requestId} comment=${String(e.changes.find((c) => c.field === 'comment')?.to)}`);
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      const extra = actual.filter((a) => !expected.includes(a));
      const missing = expected.filter((x) => !actual.includes(x));
      const dup = actual.filter((a, i) => actual.indexOf(a) !== i);
      problems.push(
        `${label}: 'updated' events do not match its accepted requests one to one in job order: ` +
          `${actual.length} events for ${expected.length} accepted; missing ${JSON.stringify(missing.slice(0, 5))}, ` +
          `unexpected ${JSON.stringify(extra.slice(0, 5))}, duplicated ${JSON.stringify(dup.slice(0, 5))}` +
          (missing.length + extra.length + dup.length === 0 ? ' (same events, different order)' : ''),
      );
    }
    const last = accepted.at(-1);
    if (last && order.comment !== last.comment) {
      problems.push(`${label}: comment is ${JSON.stringify(order.comment)}, expected the last accepted request's ${JSON.stringify(last.comment)}`);
    }
  }
  return { problems, orders, states, jobs };
}

/** Formats problems for an assertion message (the first few, and how many there were). */
export function formatProblems(problems: string[], max = 15): string {
  if (problems.length === 0) return 'no problems';
  return `${problems.length} problem(s):\n  ${problems.slice(0, max).join('\n  ')}${problems.length > max ? `\n  ... and ${problems.length - max} more` : ''}`;
}
