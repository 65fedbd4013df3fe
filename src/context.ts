/**
 * The context every domain function takes first: who is acting, the request id, and the services (database,
 * job signal). `withTransaction` hands out the same context bound to one database transaction.
 */
import type { Transaction } from 'kysely';
import type { BaseLogger } from 'pino';
import type { Db } from './db/database.ts';
import type { Database } from './db/tables.ts';
import { DomainError } from './errors/domain-error.ts';

export interface Actor {
  clientId: string;
  /**
   * The organization the token acts in when a request names none (orderCreate, webhookCreate, `viewer`): the one
   * it was narrowed to with organization_id, else the client's own.
   */
  organizationId: string;
  /** Every organization the token may act on (its own included, unless narrowed away). */
  organizationIds: ReadonlySet<string>;
  scopes: ReadonlySet<string>;
}

export interface Services {
  db: Db;
  /** Tells the workers (in this process, and on PostgreSQL in every process) that jobs were queued. */
  jobsQueued(): void;
  webhookAllowPrivate: boolean;
  /** Webhook retry timing (config `webhookRetryBaseMs`/`webhookRetryWindowMs`); defaults 5 s and 24 h. */
  webhookRetry?: { baseMs: number; windowMs: number };
  /** The process's log (serve and worker); absent in one-shot CLI commands. warn/error = an operator should act. */
  log?: BaseLogger;
}

export interface Ctx {
  actor: Actor | null;
  requestId: string;
  services: Services;
}

export interface TxCtx extends Ctx {
  tx: Transaction<Database>;
  /** Who history rows name when a worker applies a change a client asked for earlier. */
  author?: { clientId: string | null; requestId: string | null };
  /** Set by commands that queued jobs, so workers are woken after commit. */
  queuedJobs: boolean;
  /** Work to do at the end of the transaction, just before COMMIT (e.g. writing the outbox in one insert). */
  beforeCommit: (() => Promise<void>)[];
  /**
   * Outcomes of writes sent without waiting (an order's row and history), each rejecting with the error the change
   * must report (a unique violation mapped to BAD_USER_INPUT). Awaited just before COMMIT; on a database where a
   * failed statement fails the COMMIT behind it (`Db.pipelined`), with COMMIT's answer: a round trip less.
   */
  commitChecks: Promise<unknown>[];
}

/**
 * Runs `fn` in one database transaction; wakes the workers after commit if it queued jobs.
 *
 * `fn` may run twice: on SQLite, transactions that arrive together are committed as one group
 * (db/group-commit.ts), and when one unit of a group fails after writing, the others are rolled back with it and
 * run again on their own. So `fn` must not act outside the database (send a request, bump a counter, write a
 * file) before it returns: do that after `withTransaction` resolves, or queue a job for it.
 */
export async function withTransaction<T>(ctx: Ctx, fn: (tctx: TxCtx) => Promise<T>): Promise<T> {
  if ('tx' in ctx) return fn(ctx as TxCtx);
  let queued = false;
  const atCommit = ctx.services.db.pipelined;
  let checks: Promise<unknown>[] = [];
  const run = ctx.services.db.transaction(async (tx) => {
    checks = [];
    // Every field named, in one order: one object shape for every transaction's context (a spread of `ctx` cost
    // 1 KB a transaction and left the domain's reads of it polymorphic).
    const tctx: TxCtx = {
      actor: ctx.actor,
      requestId: ctx.requestId,
      services: ctx.services,
      tx,
      author: undefined,
      queuedJobs: false,
      beforeCommit: [],
      commitChecks: checks,
      outbox: undefined,
      webhooksOfOrder: undefined,
    };
    const r = await fn(tctx);
    for (let i = 0; i < tctx.beforeCommit.length; i++) await tctx.beforeCommit[i]();
    if (!atCommit) for (let i = 0; i < checks.length; i++) await checks[i];
    queued = tctx.queuedJobs;
    return r;
  });
  const result = atCommit ? await run.catch((e: unknown) => reportedFailure(checks, e)) : await run;
  if (queued) ctx.services.jobsQueued();
  return result;
}

/**
 * Why a transaction whose checks wait for COMMIT failed: the first check's own error when it is a domain error (a
 * write that failed, as the change reports it: PostgreSQL fails every statement after it with 25P02, and COMMIT
 * with the raw error), else the transaction's. (After a successful COMMIT every check has passed.)
 */
async function reportedFailure(checks: Promise<unknown>[], failure: unknown): Promise<never> {
  for (const check of checks) {
    try {
      await check;
    } catch (e) {
      if (e instanceof DomainError) throw e;
    }
  }
  throw failure;
}

/** A context for work that no client started (workers, CLI, seeding). */
export function systemCtx(services: Services, requestId = 'system'): Ctx {
  return { actor: null, requestId, services };
}
