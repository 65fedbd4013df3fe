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
import { linesOf, replaceLines, setLineStatus, updateOrderRow, writeOrderRow } from './order-store.ts';
import { inIssueOrder } from '../db/run-sql.ts';
import { diffPatch, sameValue } from './patch-diff.ts';
import { STATUS, statusName } from './status-transitions.ts';
import { isoNow } from '../clock.ts';
import { openDeliveryOrders } from '../fulfilment/open-delivery-orders.ts';
import { deliveryOrderCreatedEvents } from '../fulfilment/delivery-order-view.ts';
import { deliveryOrderChange } from '../fulfilment/delivery-order-change.ts';
import { writeDeliveryOrderChanges, type DeliveryOrderWrite } from '../fulfilment/delivery-order-writes.ts';
import { deliveryOrderRecords } from '../fulfilment/delivery-order-store.ts';
import { isLive } from '../fulfilment/roll-up.ts';
import { assignOpenedLines } from '../fulfilment/replace-opened-lines.ts';


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
  const lines = patch.lines ?? [];
  for (let i = 0; i < lines.length; i++) {
    const supplierId = lines[i].supplierId;
    if (supplierId) await requireRoutableSupplier(tctx.tx, organizationId, supplierId, `lines[${i}].supplierId`);
  }
}

/** An order whose lines may not have been read: a change that leaves them alone reads them only for event bodies. */
export type OrderMaybeLines = Pick<OrderRecord, 'row'> & Partial<Pick<OrderRecord, 'lines'>>;

function emit(tctx: TxCtx, record: OrderMaybeLines, ...types: OutboxEvent['type'][]): OutboxEvent[] {
  const { row, lines } = record;
  const read = tctx.linesOfBatch ?? ((id: string) => linesOf(tctx, id));
  const body = lines ? () => orderView({ row, lines }) : async () => orderView({ row, lines: await read(row.id) });
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
  if (newLines) {
    lines = await replaceLines(tctx, row.id, row.organization_id, newLines, row.state === 'DRAFT' ? 'PENDING' : 'ACCEPTED');
    if (row.state === 'OPENED') lines = await assignOpenedLines(tctx, row, lines);
  }
  if (Object.keys(changes).length === 0) return;
  // The row and its history are written without waiting, checked at COMMIT (context.ts commitChecks): on
  // PostgreSQL the change's next statements, and COMMIT, travel with them (db/pg-driver.ts).
  const { next, written } = writeOrderRow(tctx, row, set);
  const saved = inIssueOrder(written, recordHistory(tctx, [{ orderId: row.id, organizationId: row.organization_id, action: 'updated', changes }]));
  saved.catch(() => {}); // awaited at COMMIT
  tctx.commitChecks.push(saved);
  await emitEvents(tctx, emit(tctx, { row: next, lines }, 'order/updated'));
}

/**
 * Opens a DRAFT order: splits it into delivery orders, one per supplier (fulfilment/open-delivery-orders.ts), at
 * status 1 Received. A single-supplier order's opening is one history row, shared with its delivery order.
 */
export async function openOrder(tctx: TxCtx, record: OrderRecord): Promise<OrderRecord> {
  const { row } = record;
  if (row.state !== 'DRAFT') return record;
  const defaultSupplierId = (await findOrganization(tctx.tx, row.organization_id))?.defaultSupplierId ?? null;
  const opened = await openDeliveryOrders(tctx, record, defaultSupplierId, isoNow());
  const single = opened.deliveryOrders.length === 1;
  const supplierId = single ? opened.deliveryOrders[0].row.supplier_id : (row.supplier_id ?? defaultSupplierId);
  const set: Updateable<OrderTable> = { state: 'OPENED', status: STATUS.RECEIVED, supplier_id: supplierId };
  const updatedRow = await updateOrderRow(tctx, row, set, 1 + opened.history.length);
  const updated: OrderRecord = { row: updatedRow, lines: opened.lines };
  await recordHistory(tctx, [
    {
      orderId: row.id,
      organizationId: row.organization_id,
      deliveryOrderId: single ? opened.deliveryOrders[0].row.id : null,
      action: 'opened',
      changes: {
        state: { from: row.state, to: 'OPENED' },
        status: { from: row.status, to: STATUS.RECEIVED },
        ...(row.supplier_id !== supplierId ? { supplierId: { from: row.supplier_id, to: supplierId } } : {}),
      },
    },
    ...opened.history,
  ]);
  await emitEvents(tctx, [
    ...emit(tctx, updated, 'order/opened', 'order/status-changed'),
    ...opened.deliveryOrders.flatMap(deliveryOrderCreatedEvents),
  ]);
  return updated;
}

/**
 * Moves the fulfilment status on the merchant's side (cancel 128, request fulfilment 512) of every delivery order
 * still in progress, and rolls the order up. A cancel also closes a REJECTED delivery order not yet rerouted.
 * Refuses a move the transition table forbids for one of them.
 */
export async function moveStatus(tctx: TxCtx, record: OrderRecord, status: number, action: string): Promise<OrderRecord> {
  const all = await deliveryOrderRecords(tctx.tx, record);
  const writes: DeliveryOrderWrite[] = [];
  for (const current of all) {
    const d = current.row;
    if (!isLive(d) || d.state === 'COMPLETED') continue;
    if (d.state === 'REJECTED') {
      if (status !== STATUS.CANCELLED) continue;
      const outcome = { row: { ...d, state: 'COMPLETED' as const, status }, changes: { state: { from: d.state, to: 'COMPLETED' }, status: { from: d.status, to: status } }, lineStatus: 'CANCELED' as const, action, events: ['delivery-order/completed' as const] };
      writes.push({ current, outcome });
      continue;
    }
    const outcome = deliveryOrderChange(d, { status }, action);
    if (outcome instanceof DomainError) throw outcome;
    if (outcome) writes.push({ current, outcome });
  }
  return (await writeDeliveryOrderChanges(tctx, record, all, writes)).order;
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

/**
 * Why a merchant change of this order must be refused, or undefined. `deliveryOrderNumbers` (delivery order id →
 * number) lets the message name each started line's delivery order.
 */
export function merchantChangeRefusal(record: OrderRecord, deliveryOrderNumbers?: ReadonlyMap<string, number>): string | undefined {
  const { row, lines } = record;
  if (row.state === 'COMPLETED') {
    return `the order is COMPLETED (status ${row.status} ${statusName(row.status)}) and can no longer be changed`;
  }
  const started = lines
    .map((l, i) => [l, i + 1] as const)
    .filter(([l]) => l.status === 'IN_PROGRESS' || l.status === 'PARTIALLY_FULFILLED' || l.status === 'FULFILLED');
  if (row.locked === 1 || started.length > 0) {
    const parts = new Map<string, number[]>();
    for (const [l, n] of started) {
      const number = l.delivery_order_id ? deliveryOrderNumbers?.get(l.delivery_order_id) : undefined;
      const key = number === undefined ? '' : ` of delivery order ${number}`;
      parts.set(key, [...(parts.get(key) ?? []), n]);
    }
    const which = started.length ? ` for ${[...parts].map(([k, ns]) => `line(s) ${ns.join(', ')}${k}`).join(' and ')}` : '';
    return `production has started${which} (status ${row.status} ${statusName(row.status)}); the order can no longer be changed`;
  }
  return undefined;
}

export { emit as orderEvents };
