/**
 * The merchant's DRAFT `orderUpdate`s that arrive together are applied together: while one batch is in flight,
 * the changes that arrive wait and form the next one, which is one transaction with a few set-based statements
 * whatever its size (the orders read and, on PostgreSQL, locked in id order in one; every order row in one UPDATE,
 * every history row in one INSERT, every ACCEPTED request in one INSERT, the outbox events in one), instead of a
 * transaction of ~6 statements and two round trips per change. Each caller hears back after its batch's COMMIT,
 * with its own answer; each change keeps its own rows (order row, history with its author, request, events).
 *
 * Only patches that read nothing back (patch-diff.ts `readsNothingBack`) of an order by id come here; the batch
 * takes one change per order (a second one of the same order waits for the next batch, so they apply in order).
 * An order not found, not DRAFT, or out of the caller's reach goes the one-by-one path (order-commands.ts), which
 * gives today's answer. A change refused by a DomainError before it queued a write (a stale expectedVersion, an
 * unknown supplier) is refused alone; any other failure rolls the batch back, and it runs again without the
 * change that failed, which then goes one by one (as requests/apply-request-batch.ts does). A batch that fails
 * with no change in hand (a statement of the batch, COMMIT, a deadlock) sends every change one by one.
 */
import { systemCtx, withTransaction, type Ctx, type Services, type TxCtx } from '../context.ts';
import { canAccess } from '../auth/scopes.ts';
import type { Db } from '../db/database.ts';
import { isDomainError } from '../errors/domain-error.ts';
import { lockOrders } from '../db/sql/lock-order.ts';
import { insertRequestRows } from '../db/sql/insert-requests.ts';
import { isoNow } from '../clock.ts';
import { newRequestRow, ORDER_UPDATED, requestView, type DispatchableRequestView, type RequestRow } from '../requests/dispatchable-requests.ts';
import { flushOrderWrites, newDeferredOrderWrites, queuedWrites } from './deferred-order-writes.ts';
import { applyPatch } from './order-changes.ts';
import type { OrderPatch } from './order-input.ts';
import type { LineRow } from './order-record.ts';
import { loadLines } from './order-store.ts';

export interface DraftChange {
  ctx: Ctx;
  orderId: string;
  /** As given in the input: a different organization than the order's is refused (one by one). */
  organizationId?: string;
  patch: OrderPatch;
  /** The one-by-one path, for a change the batch does not take. */
  alone: () => Promise<DispatchableRequestView>;
}

interface Waiting extends DraftChange {
  resolve(view: DispatchableRequestView): void;
  reject(error: unknown): void;
}

declare module '../context.ts' {
  interface TxCtx {
    /** A batch's orders' lines, read once for all of them when an event body first asks (a webhook subscribes). */
    linesOfBatch?: (orderId: string) => Promise<LineRow[]>;
  }
}

type Outcome = { view: DispatchableRequestView } | { error: unknown } | 'alone';

/** Bounds a batch (and so the wait of its first change). */
const MAX_BATCH = 64;
/** Rollbacks a batch may take (one change left out each time) before all of its changes go one by one. */
const MAX_PASSES = 3;

const batchers = new WeakMap<Db, DraftBatcher>();

/** Applies a DRAFT change with the others that arrive with it; resolves after the COMMIT. */
export function updateDraftInBatch(change: DraftChange): Promise<DispatchableRequestView> {
  const db = change.ctx.services.db;
  let batcher = batchers.get(db);
  if (!batcher) {
    batcher = new DraftBatcher(change.ctx.services);
    batchers.set(db, batcher);
  }
  return batcher.submit(change);
}

class DraftBatcher {
  private waiting: Waiting[] = [];
  private draining = false;

  constructor(private readonly services: Services) {}

  submit(change: DraftChange): Promise<DispatchableRequestView> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ ...change, resolve, reject });
      if (this.draining) return;
      // Start on the next turn of the event loop, so that the changes of requests read in this one share the batch.
      this.draining = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) await this.run(this.take());
    } finally {
      this.draining = false;
    }
  }

  /** The next batch, in order of arrival: one change per order; later ones of the same order stay waiting. */
  private take(): Waiting[] {
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    const orders = new Set<string>();
    for (const c of this.waiting) {
      if (batch.length < MAX_BATCH && !orders.has(c.orderId)) {
        orders.add(c.orderId);
        batch.push(c);
      } else rest.push(c);
    }
    this.waiting = rest;
    return batch;
  }

  private async run(batch: Waiting[]): Promise<void> {
    // A change that arrived alone costs less on its own path (by-id statements, no set-based ones).
    const alone: Waiting[] = batch.length === 1 ? batch : [];
    let todo = batch.length === 1 ? [] : batch;
    for (let pass = 0; todo.length > 0; pass++) {
      if (pass === MAX_PASSES) {
        alone.push(...todo);
        break;
      }
      const hand: { culprit?: Waiting } = {};
      try {
        const outcomes = await withTransaction(systemCtx(this.services, 'draft-batch'), (tctx) => applyBatch(tctx, todo, hand));
        for (const [c, o] of outcomes) {
          if (o === 'alone') alone.push(c);
          else if ('view' in o) c.resolve(o.view);
          else c.reject(o.error);
        }
        break;
      } catch {
        // Nothing of this pass was written. Without a change in hand, every change goes one by one.
        const culprit = hand.culprit;
        if (!culprit) {
          alone.push(...todo);
          break;
        }
        alone.push(culprit);
        todo = todo.filter((c) => c !== culprit);
      }
    }
    // Awaited before the next batch, so a later change of one of these orders applies after it.
    await Promise.all(alone.map((c) => c.alone().then(c.resolve, c.reject)));
  }
}

async function applyBatch(tctx: TxCtx, batch: Waiting[], hand: { culprit?: Waiting }): Promise<Map<Waiting, Outcome>> {
  hand.culprit = undefined;
  const db = tctx.services.db;
  const rows = await lockOrders(db, tctx.tx, batch.map((c) => c.orderId).sort());
  const byId = new Map(rows.map((r) => [r.id, r]));
  let lines: Promise<Map<string, LineRow[]>> | undefined;
  tctx.linesOfBatch = async (orderId) => {
    lines ??= loadLines(tctx.tx, rows.map((r) => r.id));
    return (await lines).get(orderId) ?? [];
  };
  const deferred = newDeferredOrderWrites();
  const requests: RequestRow[] = [];
  const outcomes = new Map<Waiting, Outcome>();
  const now = isoNow();
  tctx.deferredOrderWrites = deferred;
  for (const c of batch) {
    const row = byId.get(c.orderId);
    const { actor, requestId } = c.ctx;
    const reachable = row && (actor === null || canAccess(actor, row.organization_id));
    if (!reachable || row.state !== 'DRAFT' || (c.organizationId && c.organizationId !== row.organization_id)) {
      outcomes.set(c, 'alone'); // the one-by-one path gives its answer (NOT_FOUND, a request of an OPENED order…)
      continue;
    }
    // The change's author, for its history row.
    tctx.actor = actor;
    tctx.requestId = requestId;
    const before = queuedWrites(tctx, deferred);
    hand.culprit = c;
    try {
      await applyPatch(tctx, { row }, c.patch);
    } catch (e) {
      if (!isDomainError(e) || queuedWrites(tctx, deferred) !== before) throw e;
      outcomes.set(c, { error: e }); // refused before it wrote anything: alone, and the batch goes on
      hand.culprit = undefined;
      continue;
    }
    hand.culprit = undefined;
    const request = newRequestRow(tctx, { orderId: row.id, organizationId: row.organization_id, type: 'ORDER_UPDATE', state: 'ACCEPTED', message: ORDER_UPDATED }, now);
    requests.push(request);
    outcomes.set(c, { view: requestView(request) });
  }
  tctx.deferredOrderWrites = undefined;
  tctx.actor = null;
  await flushOrderWrites(tctx, deferred, () => insertRequestRows(db, tctx.tx, requests));
  return outcomes;
}
