/** What the metrics gauges read from the database: queued jobs per kind and how long the oldest due one waits. */
import type { Executor } from '../database.ts';

export interface QueuedKind {
  kind: string;
  queued: number;
  /** `run_at` of the oldest queued job that is due (ISO), null when none is due yet (scheduled retries). */
  oldestDueAt: string | null;
}

/** One scan of the queued jobs (the partial index `jobs_queued` holds only those). */
export async function queuedJobsByKind(db: Executor, nowIso: string): Promise<QueuedKind[]> {
  const rows = await db
    .selectFrom('jobs')
    .where('state', '=', 'queued')
    .groupBy('kind')
    .select((eb) => [
      'kind',
      eb.fn.countAll<number>().as('queued'),
      eb.fn.min(eb.case().when('run_at', '<=', nowIso).then(eb.ref('run_at')).end()).as('oldest_due_at'),
    ])
    .execute();
  return rows.map((r) => ({ kind: r.kind, queued: Number(r.queued), oldestDueAt: (r.oldest_due_at as string | null) ?? null }));
}

/** Enabled webhooks whose recent deliveries keep failing (`consecutive_failures` at or past `failingAfter`). */
export async function failingWebhookCount(db: Executor, failingAfter: number): Promise<number> {
  const row = await db
    .selectFrom('webhooks')
    .where('enabled', '=', 1)
    .where('consecutive_failures', '>=', failingAfter)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
