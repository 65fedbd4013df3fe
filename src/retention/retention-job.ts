/**
 * Retention (SPEC §11): the `retention.prune` job deletes what would otherwise grow without bound under steady
 * load — finished jobs, outbox events no delivery waits for, webhook delivery attempts, settled dispatchable
 * requests, idempotency keys and revoked tokens past expiry — once they are older than their window (config
 * `retention`). Orders and their history are never pruned.
 *
 * It is an ordinary job, so exactly one process runs it at a time across any number of workers (queue key
 * `retention`); each run queues the next one `intervalMs` later in the transaction that completes it.
 */
import type { RetentionConfig } from '../config.ts';
import { systemCtx, withTransaction, type Services, type TxCtx } from '../context.ts';
import { completeJob, enqueueJobs } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/run-job.ts';
import { pruneBatch, type PrunableTable } from '../db/sql/prune-retained-rows.ts';
import { DELIVER_JOB } from '../webhooks/outbox.ts';

export const RETENTION_JOB = 'retention.prune';
const QUEUE_KEY = 'retention';
/** Rows per delete: small enough that SQLite's single writer is never held for long. */
const BATCH = 2000;

/** Each table and how long its rows are kept, counted from the time column the prune compares. */
function windows(cfg: RetentionConfig): [PrunableTable, number][] {
  return [
    ['jobs', cfg.jobsMs],
    ['webhook_deliveries', cfg.deliveryLogMs],
    ['outbox_events', cfg.deliveryLogMs],
    ['dispatchable_requests', cfg.requestsMs],
    ['idempotency_keys', cfg.idempotencyMs],
    ['revoked_tokens', cfg.revokedTokensMs],
  ];
}

/** Prunes every table once; returns the rows deleted per table. */
export async function pruneExpiredRows(services: Services, cfg: RetentionConfig, now = Date.now()): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const [table, keepMs] of windows(cfg)) {
    const cutoff = new Date(now - keepMs).toISOString();
    let total = 0;
    for (;;) {
      const n = await pruneBatch(services.db, table, cutoff, BATCH, DELIVER_JOB);
      total += n;
      if (n < BATCH) break;
    }
    deleted[table] = total;
  }
  return deleted;
}

export function retentionHandler(cfg: RetentionConfig): JobHandler {
  return {
    kind: RETENTION_JOB,
    async run(ctx, job) {
      await pruneExpiredRows(ctx.services, cfg);
      await withTransaction(ctx, async (tctx) => {
        await completeJob(tctx.tx, job.id);
        await queueNextRun(tctx, cfg.intervalMs, job.id);
      });
    },
    // A failed run (a lock timeout, a restart of the database) is simply tried again; it is never given up.
    retryDelayMs: () => Math.min(cfg.intervalMs, 60_000),
  };
}

/** Makes sure a run is queued (at start-up of every worker process); the first runs at once. */
export async function scheduleRetention(services: Services): Promise<void> {
  await withTransaction(systemCtx(services, 'retention'), (tctx) => queueNextRun(tctx, 0));
}

/** Queues a run unless one (other than `finishing`) already is: several processes converge on one. */
async function queueNextRun(tctx: TxCtx, delayMs: number, finishing?: number): Promise<void> {
  const queued = await tctx.tx
    .selectFrom('jobs')
    .select('id')
    .where('queue_key', '=', QUEUE_KEY)
    .where('state', '=', 'queued')
    .$if(finishing !== undefined, (q) => q.where('id', '<>', finishing!))
    .executeTakeFirst();
  if (queued) return;
  await enqueueJobs(tctx, [{ kind: RETENTION_JOB, queueKey: QUEUE_KEY, payload: {}, runAt: new Date(Date.now() + delayMs) }]);
}
