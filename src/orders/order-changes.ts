/**
 * The changes an order goes through, each applied inside the caller's transaction with its history row and
 * outbox events: a merchant patch, opening (routing to a supplier), cancelling, and a status move.
 * Used alike by the synchronous path (DRAFT orders) and the request worker (OPENED orders).
 */
import type { Updateable } from 'kysely';
import type { OrderTable } from '../db/tables.ts';
import type { TxCtx } from '../context.ts';
import { badInput, DomainError } from '../errors/domain-error.ts';
import { findOrganization } from '../organizations/organizations.ts';
import { requireRoutableSupplier } from '../organizations/supplier-routing.ts';
import { emitEvents, type OutboxEvent } from '../webhooks/outbox.ts';
import { recordHistory } from './order-history.ts';
import type { OrderPatch } from './order-input.ts';
import { orderView, type OrderRecord } from './order-record.ts';
import { linesOf, replaceLines, setLineStatus, updateOrderRow } from './order-store.ts';
import { diffPatch, sameValue } from './patch-diff.ts';
import { statusName } from './status-transitions.ts';
import { statusChange } from './status-change.ts';


/** Throws VERSION_CONFLICT unless the order is at the expected version. */
export function checkVersion(record: Pick<OrderRecord, 'row'>, expected: number | undefined): void {
  if (expected !== undefined && expected !== record.row.version) {
    throw new DomainError(
      'VERSION_CONFLICT',
      `the order is at version ${record.row.version}, not the expected version ${expected}; read it again and retry`,
      { currentVersion: record.row.version, expectedVersion: expected },
    );
  }
}

/** Checks references a patch makes (external reference uniqueness, supplier) before it is applied. */
export async function checkPatchReferences(tctx: TxCtx, organizationId: string, orderId: string | null, patch: OrderPatch): Promise<void> {
  const ref = patch.fields.externalReference;
  if (ref) {
    const clash = await tctx.tx
      .selectFrom('orders')
      .select(['id', 'number'])
      .where('organization_id', '=', organizationId)
      .where('external_reference', '=', ref)
      .executeTakeFirst();
    if (clash && clash.id !== orderId) {
      throw badInput('externalReference', `must be unique in the organization; order ${clash.number} already uses "${ref}"`);
    }
  }
  if (patch.fields.supplierId) await requireRoutableSupplier(tctx.tx, organizationId, patch.fields.supplierId);
}

/** An order whose lines may not have been read: a change that leaves them alone reads them only for event bodies. */
export type OrderMaybeLines = Pick<OrderRecord, 'row'> & Partial<Pick<OrderRecord, 'lines'>>;

function emit(tctx: TxCtx, record: OrderMaybeLines, ...types: OutboxEvent['type'][]): OutboxEvent[] {
  const { row, lines } = record;
  const body = lines ? () => orderView({ row, lines }) : async () => orderView({ row, lines: await linesOf(tctx, row.id) });
  return types.map((type) => ({ type, organizationId: row.organization_id, orderId: row.id, body }));
}

/** Applies a merchant patch; writes nothing when nothing differs. */
export async function applyPatch(tctx: TxCtx, record: OrderMaybeLines, patch: OrderPatch): Promise<void> {
  checkVersion(record, patch.expectedVersion);
  const { row } = record;
  if (patch.fields.supplierId !== undefined && row.state !== 'DRAFT' && !sameValue(patch.fields.supplierId, row.supplier_id)) {
    throw badInput('supplierId', 'can only change while the order is DRAFT');
  }
  await checkPatchReferences(tctx, row.organization_id, row.id, patch);

  let lines = record.lines;
  if (patch.lines) lines ??= await linesOf(tctx, row.id);
  const { changes, set, lines: newLines } = diffPatch(row, lines, patch);
  if (newLines) lines = await replaceLines(tctx, row.id, row.organization_id, newLines, row.state === 'DRAFT' ? 'PENDING' : 'ACCEPTED');
  if (Object.keys(changes).length === 0) return;
  const updated: OrderMaybeLines = { row: await updateOrderRow(tctx, row, set), lines };
  await recordHistory(tctx, [{ orderId: row.id, organizationId: row.organization_id, action: 'updated', changes }]);
  await emitEvents(tctx, emit(tctx, updated, 'order/updated'));
}

/** Opens a DRAFT order: routes it to its supplier (its own, or the merchant's default) at status 1 Received. */
export async function openOrder(tctx: TxCtx, record: OrderRecord): Promise<OrderRecord> {
  const { row } = record;
  if (row.state !== 'DRAFT') return record;
  let supplierId = row.supplier_id;
  if (!supplierId) supplierId = (await findOrganization(tctx.tx, row.organization_id))?.defaultSupplierId ?? null;
  if (!supplierId) {
    throw badInput('supplierId', 'is needed to open the order: set it on the order or give the merchant a default supplier');
  }
  const updatedRow = await updateOrderRow(tctx, row, { state: 'OPENED', status: 1, supplier_id: supplierId });
  await setLineStatus(tctx, [row.id], 'ACCEPTED');
  const updated: OrderRecord = { row: updatedRow, lines: record.lines.map((l) => ({ ...l, status: 'ACCEPTED' })) };
  await recordHistory(tctx, [
    {
      orderId: row.id,
      organizationId: row.organization_id,
      action: 'opened',
      changes: {
        state: { from: row.state, to: 'OPENED' },
        status: { from: row.status, to: 1 },
        ...(row.supplier_id !== supplierId ? { supplierId: { from: row.supplier_id, to: supplierId } } : {}),
      },
    },
  ]);
  await emitEvents(tctx, emit(tctx, updated, 'order/opened', 'order/status-changed'));
  return updated;
}

/**
 * Moves the fulfilment status (merchant side: cancel 128, request fulfilment 512) with its effect on lines and
 * state. Refuses moves the transition table forbids.
 */
export async function moveStatus(tctx: TxCtx, record: OrderRecord, status: number, action: string): Promise<OrderRecord> {
  const { row } = record;
  const outcome = statusChange(row, { status }, action);
  if (outcome instanceof DomainError) throw outcome;
  if (!outcome) return record;
  const set: Updateable<OrderTable> = { status };
  if (outcome.row.locked !== row.locked) set.locked = outcome.row.locked;
  if (outcome.row.state !== row.state) set.state = outcome.row.state;
  const updatedRow = await updateOrderRow(tctx, row, set);
  const { lineStatus } = outcome;
  let lines = record.lines;
  if (lineStatus) {
    await setLineStatus(tctx, [row.id], lineStatus);
    lines = lines.map((l) => ({ ...l, status: lineStatus }));
  }
  const updated: OrderRecord = { row: updatedRow, lines };
  await recordHistory(tctx, [{ orderId: row.id, organizationId: row.organization_id, action: outcome.action, changes: outcome.changes }]);
  await emitEvents(tctx, emit(tctx, updated, ...outcome.events));
  return updated;
}

/** Cancels an order at once: DRAFT orders straight to COMPLETED, OPENED ones through status 128. */
export async function cancelOrder(tctx: TxCtx, record: OrderRecord): Promise<OrderRecord> {
  const { row } = record;
  if (row.state === 'OPENED') return moveStatus(tctx, record, 128, 'cancelled');
  const updatedRow = await updateOrderRow(tctx, row, { state: 'COMPLETED', status: 128 });
  await setLineStatus(tctx, [row.id], 'CANCELED');
  const updated: OrderRecord = { row: updatedRow, lines: record.lines.map((l) => ({ ...l, status: 'CANCELED' })) };
  await recordHistory(tctx, [
    {
      orderId: row.id,
      organizationId: row.organization_id,
      action: 'cancelled',
      changes: { state: { from: row.state, to: 'COMPLETED' }, status: { from: row.status, to: 128 } },
    },
  ]);
  await emitEvents(tctx, emit(tctx, updated, 'order/status-changed', 'order/completed'));
  return updated;
}

/** Why a merchant change of this order must be refused, or undefined. */
export function merchantChangeRefusal(record: OrderRecord): string | undefined {
  const { row, lines } = record;
  if (row.state === 'COMPLETED') {
    return `the order is COMPLETED (status ${row.status} ${statusName(row.status)}) and can no longer be changed`;
  }
  const started = lines.map((l, i) => [l, i + 1] as const).filter(([l]) => l.status === 'IN_PROGRESS' || l.status === 'FULFILLED');
  if (row.locked === 1 || started.length > 0) {
    const which = started.length ? ` for line(s) ${started.map(([, n]) => n).join(', ')}` : '';
    return `production has started${which} (status ${row.status} ${statusName(row.status)}); the order can no longer be changed`;
  }
  return undefined;
}

export { emit as orderEvents };
