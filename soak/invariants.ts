/**
 * The soak's checks, read straight from the database once the load has stopped and the background work has
 * drained. Each check returns a line for the report and the problems it found (at most a few, as samples).
 */
import type { DirectDb } from '../test/support/direct-db.ts';
import { messageIdFor } from '../src/webhooks/webhook-signing.ts';
import { allowedFinalValues, type FieldChange, type Ledger } from './ledger.ts';
import type { Receiver } from './receiver.ts';
import { check, type Check } from './check.ts';


const DELIVER_JOB = 'webhook.deliver';


/**
 * `keptSince` (ms), when retention ran during the soak: a request answered, or an event created, before it may
 * have been pruned (its window had passed), so its absence is no loss; anything newer must be there.
 */
export async function runChecks(
  db: DirectDb,
  ledger: Ledger,
  merchantOrgId: string,
  webhookId: string | undefined,
  receiver: Receiver | undefined,
  keptSince?: number,
): Promise<Check[]> {
  const mayBePruned = (at: number) => keptSince !== undefined && at < keptSince;
  const checks: Check[] = [];
  const orders = await db.query<{ id: string; number: number; comment: string | null; shipping_tracking: string | null; version: number }>(
    'SELECT id, number, comment, shipping_tracking, version FROM orders WHERE organization_id = $1',
    [merchantOrgId],
  );
  const byId = new Map(orders.map((o) => [o.id, o]));
  const requests = await db.query<{ id: string; order_id: string; state: string; completed_at: string | null }>(
    'SELECT id, order_id, state, completed_at FROM dispatchable_requests WHERE organization_id = $1',
    [merchantOrgId],
  );
  const requestById = new Map(requests.map((r) => [r.id, r]));

  // 1. Every acknowledged order exists, with the number it was given.
  const missingOrders: string[] = [];
  for (const e of ledger.orders.values()) {
    const row = byId.get(e.id);
    if (!row || Number(row.number) !== e.number) missingOrders.push(`order ${e.id} (#${e.number}) acknowledged but ${row ? `has #${row.number}` : 'missing'}`);
  }
  checks.push(check('every acknowledged order exists', `${ledger.orders.size} acknowledged, ${orders.length} in the database`, missingOrders));

  // 2. Every acknowledged request id exists and is final; no request anywhere is left PENDING.
  const requestProblems: string[] = [];
  let pruned = 0;
  for (const [id, r] of ledger.requests) {
    const row = requestById.get(id);
    if (!row && mayBePruned(r.at)) pruned += 1;
    else if (!row) requestProblems.push(`request ${id} (${r.state}) acknowledged but missing`);
    else if (r.state !== 'PENDING' && row.state !== r.state) requestProblems.push(`request ${id} answered ${r.state} but is ${row.state}`);
  }
  for (const row of requests) {
    if (row.state !== 'ACCEPTED' && row.state !== 'REJECTED') requestProblems.push(`request ${row.id} is still ${row.state}`);
    else if (!row.completed_at) requestProblems.push(`request ${row.id} is ${row.state} without completed_at`);
  }
  const pendingAcked = [...ledger.requests.values()].filter((r) => r.state === 'PENDING').length;
  const outcomes = requests.reduce<Record<string, number>>((acc, r) => {
    acc[r.state] = (acc[r.state] ?? 0) + 1;
    return acc;
  }, {});
  checks.push(
    check(
      'every request final, every acknowledged request present',
      `${ledger.requests.size} acknowledged (${pendingAcked} PENDING when answered); ${requests.length} in the database: ${JSON.stringify(outcomes)}` +
        (keptSince !== undefined ? `; ${pruned} older than the retention window and pruned` : ''),
      requestProblems,
    ),
  );

  // 3. Every acknowledged change is present, or superseded by a later change of the same field. A PENDING change
  // whose request was pruned may have ended either way: it counts as one whose answer was lost.
  const accepted = (id: string) => requestById.get(id)?.state === 'ACCEPTED';
  const known = (changes: FieldChange[]) =>
    changes.map((c): FieldChange => (c.outcome.kind === 'pending' && !requestById.has(c.outcome.requestId) ? { ...c, outcome: { kind: 'unknown' } } : c));
  const changeProblems: string[] = [];
  let commentChanges = 0;
  let trackingChanges = 0;
  for (const e of ledger.orders.values()) {
    const row = byId.get(e.id);
    if (!row) continue;
    commentChanges += e.comment.length;
    trackingChanges += e.tracking.length;
    const comments = allowedFinalValues(known(e.comment), null, accepted);
    if (!comments.includes(row.comment)) changeProblems.push(`order #${e.number}: comment is ${JSON.stringify(row.comment)}, expected one of ${JSON.stringify(comments)}`);
    const tracking = allowedFinalValues(known(e.tracking), null, accepted);
    if (!tracking.includes(row.shipping_tracking)) {
      changeProblems.push(`order #${e.number}: shipping_tracking is ${JSON.stringify(row.shipping_tracking)}, expected one of ${JSON.stringify(tracking)}`);
    }
  }
  checks.push(
    check(
      'every acknowledged change present or superseded',
      `${commentChanges} merchant comment changes and ${trackingChanges} fulfiller tracking changes over ${ledger.orders.size} orders`,
      changeProblems,
    ),
  );

  // 4. Versions: every change bumps the version by one and writes one history row, creation included (version 1).
  const eventCounts = await db.query<{ order_id: string; n: number }>(
    'SELECT order_id, COUNT(*) AS n FROM order_events WHERE organization_id = $1 GROUP BY order_id',
    [merchantOrgId],
  );
  const eventsOf = new Map(eventCounts.map((r) => [r.order_id, Number(r.n)]));
  const versionProblems = orders
    .filter((o) => Number(o.version) !== (eventsOf.get(o.id) ?? 0))
    .map((o) => `order #${o.number}: version ${o.version} but ${eventsOf.get(o.id) ?? 0} history rows`);
  const versions = orders.reduce((n, o) => n + Number(o.version), 0);
  checks.push(check('version = number of history rows, for every order', `${orders.length} orders, ${versions} versions in all`, versionProblems));

  // 5. Webhooks: every event has a delivery job, every job is done, every message arrived (at least once).
  if (webhookId && receiver) {
    const events = await db.query<{ id: number; order_id: string | null; created_at: string }>(
      'SELECT id, order_id, created_at FROM outbox_events WHERE organization_id = $1 ORDER BY id',
      [merchantOrgId],
    );
    const jobs = await db.query<{ payload: string; state: string }>('SELECT payload, state FROM jobs WHERE kind = $1', [DELIVER_JOB]);
    const jobByEvent = new Map<number, string>();
    for (const j of jobs) {
      const p = JSON.parse(j.payload) as { webhookId: string; eventId: number };
      if (p.webhookId === webhookId) jobByEvent.set(Number(p.eventId), j.state);
    }
    const deliveryProblems: string[] = [];
    const orderOfMessage = new Map<string, { orderId: string | null; eventId: number }>();
    for (const ev of events) {
      const id = Number(ev.id);
      const messageId = messageIdFor(webhookId, id);
      orderOfMessage.set(messageId, { orderId: ev.order_id, eventId: id });
      const state = jobByEvent.get(id);
      // A finished job goes with the retention window too (it finished after its event was created).
      if (!state) {
        if (!mayBePruned(Date.parse(ev.created_at))) deliveryProblems.push(`event ${id} has no delivery job`);
      } else if (state !== 'done') deliveryProblems.push(`event ${id}: delivery job is ${state}`);
      if (!receiver.received.has(messageId)) deliveryProblems.push(`event ${id} (${messageId}) never arrived`);
    }
    if (receiver.badSignatures > 0) deliveryProblems.push(`${receiver.badSignatures} deliveries with a bad signature`);
    const arrivals = [...receiver.received.values()].reduce((a, b) => a + b, 0);
    const duplicates = arrivals - receiver.received.size;
    checks.push(
      check(
        'every event delivered at least once (receiver dedupes on webhook-id)',
        `${events.length} events, ${jobByEvent.size} delivery jobs, ${receiver.received.size} distinct messages received (${duplicates} duplicates, ` +
          `${receiver.refused} answered 503 on purpose, ${receiver.badSignatures} bad signatures)`,
        deliveryProblems,
      ),
    );

    // 6. One order's events reach the endpoint in the order they happened (first arrivals).
    const lastSeen = new Map<string, number>();
    const orderProblems: string[] = [];
    for (const messageId of receiver.firstSeen) {
      const ev = orderOfMessage.get(messageId);
      if (!ev?.orderId) continue;
      const previous = lastSeen.get(ev.orderId);
      if (previous !== undefined && previous > ev.eventId) orderProblems.push(`order ${ev.orderId}: event ${ev.eventId} arrived after event ${previous}`);
      lastSeen.set(ev.orderId, Math.max(previous ?? 0, ev.eventId));
    }
    checks.push(check("one order's events arrive in order", `${lastSeen.size} orders' event sequences`, orderProblems));
  }

  // 7. The server never answered 5xx or INTERNAL_SERVER_ERROR.
  checks.push(check('no server errors (5xx, INTERNAL_SERVER_ERROR)', `${ledger.counts.serverErrors} seen`, ledger.serverErrorSamples));
  return checks;
}
