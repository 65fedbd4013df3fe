/**
 * Gauges of what is waiting: queued jobs per kind, how long the oldest due one has waited, PENDING requests and
 * failing webhooks. Read from the database when `/metrics` is scraped (so every node reports the shared queue).
 */
import client from 'prom-client';
import type { Executor } from '../db/database.ts';
import { failingWebhookCount, queuedJobsByKind } from '../db/sql/queue-stats.ts';
import { APPLY_REQUEST_JOB } from '../requests/dispatchable-requests.ts';
import { DELIVER_JOB } from '../webhooks/outbox.ts';
import { FAILING_AFTER } from '../webhooks/webhook-health.ts';
import { registry } from './registry.ts';

const queued = new client.Gauge({
  name: 'ordergraph_jobs_queued',
  help: 'Background jobs waiting to run (due or scheduled), by kind',
  labelNames: ['kind'] as const,
  registers: [registry],
});
const oldestDue = new client.Gauge({
  name: 'ordergraph_jobs_oldest_due_seconds',
  help: 'How long the oldest due job of each kind has been waiting to run (0 when none is due)',
  labelNames: ['kind'] as const,
  registers: [registry],
});
const pendingRequests = new client.Gauge({
  name: 'ordergraph_requests_pending',
  help: 'Dispatchable requests still PENDING (each has one queued request.apply job)',
  registers: [registry],
});
const failingWebhooks = new client.Gauge({
  name: 'ordergraph_webhooks_failing',
  help: `Enabled webhooks whose last ${FAILING_AFTER} or more deliveries failed (health FAILING)`,
  registers: [registry],
});

// Kinds keep reporting 0 once seen, so an alert on them never sees a series vanish.
const knownKinds = new Set([APPLY_REQUEST_JOB, DELIVER_JOB]);

/** Reads the queue and sets the gauges; called right before the registry is serialized. */
export async function refreshQueueGauges(db: Executor, now = Date.now()): Promise<void> {
  const [kinds, failing] = await Promise.all([queuedJobsByKind(db, new Date(now).toISOString()), failingWebhookCount(db, FAILING_AFTER)]);
  const byKind = new Map(kinds.map((k) => [k.kind, k]));
  for (const k of kinds) knownKinds.add(k.kind);
  for (const kind of knownKinds) {
    const k = byKind.get(kind);
    queued.set({ kind }, k?.queued ?? 0);
    oldestDue.set({ kind }, k?.oldestDueAt ? Math.max(0, (now - Date.parse(k.oldestDueAt)) / 1000) : 0);
  }
  pendingRequests.set(byKind.get(APPLY_REQUEST_JOB)?.queued ?? 0);
  failingWebhooks.set(failing);
}
