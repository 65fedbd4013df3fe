/**
 * The merchant reroutes a delivery order its supplier rejected (SPEC §8 `deliveryOrderReroute`): its lines go to a
 * new delivery order for another supplier, and the rejected one stops counting in the roll-up (`rerouted_to`).
 * Like every change of an opened order it is a DispatchableRequest: checked at once, so bad input is refused and
 * writes nothing, then applied by the request worker (requests/apply-request.ts), which checks again under the
 * order's lock. Production on the order's other parts does not stop a reroute: the rerouted lines never started.
 */
import { withTransaction, type Ctx, type TxCtx } from '../context.ts';
import { requireScope } from '../auth/scopes.ts';
import { badInput, DomainError, isDomainError, notFound } from '../errors/domain-error.ts';
import { requireRoutableSupplier } from '../organizations/supplier-routing.ts';
import { loadOrderForChange, merchantMayAccess } from '../orders/order-store.ts';
import type { OrderRecord } from '../orders/order-record.ts';
import { pending, refuseIfCompleted } from '../orders/order-commands.ts';
import { statusName } from '../orders/status-transitions.ts';
import type { DispatchableRequestView } from '../requests/dispatchable-requests.ts';
import { nextOrderNumbers } from '../db/sql/next-order-numbers.ts';
import { isoNow } from '../clock.ts';
import { assignLines, deliveryOrderRecords, insertDeliveryOrders, type DeliveryOrderRecord, type DeliveryOrderRow } from './delivery-order-store.ts';
import { routeToSandbox } from '../sandbox/sandbox-jobs.ts';
import { writeDeliveryOrderChanges } from './delivery-order-writes.ts';
import { newDeliveryOrderRow } from './open-delivery-orders.ts';

export interface ReroutePayload {
  deliveryOrderId: string;
  supplierId: string;
}

/** Why this delivery order cannot go to `supplierId`, or undefined. Pure. */
export function rerouteRefusal(d: Pick<DeliveryOrderRow, 'number' | 'state' | 'status' | 'supplier_id' | 'rerouted_to'>, supplierId: string): DomainError | undefined {
  if (d.rerouted_to !== null) {
    return new DomainError('INVALID_STATUS_TRANSITION', `\`id\`: delivery order ${d.number} was already rerouted; reroute its replacement if that is rejected too`);
  }
  if (d.state !== 'REJECTED') {
    return new DomainError(
      'INVALID_STATUS_TRANSITION',
      `\`id\`: delivery order ${d.number} is ${d.state} (status ${d.status} ${statusName(d.status)}): only a REJECTED delivery order can be rerouted`,
      { from: d.status },
    );
  }
  if (d.supplier_id === supplierId) return badInput('supplierId', 'must be another supplier than the one that rejected the delivery order');
  return undefined;
}

/** The merchant may route to the supplier (its default or a connected one); any other id reads alike. */
async function requireRerouteSupplier(tctx: TxCtx, merchantId: string, supplierId: string): Promise<void> {
  try {
    await requireRoutableSupplier(tctx.tx, merchantId, supplierId);
  } catch (e) {
    if (isDomainError(e) && e.code === 'NOT_FOUND') {
      throw badInput('supplierId', 'must be a supplier the merchant may route to: its default supplier or one connected to it');
    }
    throw e;
  }
}

/** The order's delivery orders and the one to reroute, checked; throws what refuses it. */
async function reroutable(tctx: TxCtx, record: OrderRecord, p: ReroutePayload): Promise<{ all: DeliveryOrderRecord[]; current: DeliveryOrderRecord }> {
  const all = await deliveryOrderRecords(tctx.tx, record);
  const current = all.find((d) => d.row.id === p.deliveryOrderId);
  if (!current) throw notFound('delivery order', p.deliveryOrderId);
  const refused = rerouteRefusal(current.row, p.supplierId);
  if (refused) throw refused;
  await requireRerouteSupplier(tctx, record.row.organization_id, p.supplierId);
  return { all, current };
}

/** `deliveryOrderReroute(id, supplierId)`: a PENDING request, or the refusal; nothing is written on bad input. */
export async function rerouteDeliveryOrderCommand(ctx: Ctx, id: string, supplierId: string): Promise<DispatchableRequestView> {
  requireScope(ctx, 'edit_delivery_orders');
  return withTransaction(ctx, async (tctx) => {
    const found = await tctx.tx.selectFrom('delivery_orders').select(['order_id', 'organization_id']).where('id', '=', id).executeTakeFirst();
    if (!found || !merchantMayAccess(tctx, found)) throw notFound('delivery order', id);
    const record = await loadOrderForChange(tctx, { id: found.order_id });
    const refused = await refuseIfCompleted(tctx, record, 'REROUTE');
    if (refused) return refused;
    const payload: ReroutePayload = { deliveryOrderId: id, supplierId };
    await reroutable(tctx, record, payload);
    return pending(tctx, record, 'REROUTE', payload);
  });
}

/**
 * Applies a reroute to the locked order: a new delivery order for the supplier (fresh number, status 1 Received,
 * PENDING) takes the rejected one's lines, the rejected one records where they went, and the order rolls up.
 */
export async function rerouteDeliveryOrder(tctx: TxCtx, record: OrderRecord, p: ReroutePayload): Promise<string> {
  const { all, current } = await reroutable(tctx, record, p);
  const [number] = await nextOrderNumbers(tctx.services.db, tctx.tx, 1);
  const row = newDeliveryOrderRow(record.row, p.supplierId, number, isoNow());
  const id = row.id;
  const lines = current.lines.map((l) => ({ ...l, delivery_order_id: id, status: 'ACCEPTED' }));
  const created: DeliveryOrderRecord = { row, lines };
  await insertDeliveryOrders(tctx.tx, [created.row]);
  await routeToSandbox(tctx, [created.row]);
  await assignLines(tctx.tx, lines.map((l) => l.id), id, 'ACCEPTED');
  const moved = new Map(lines.map((l) => [l.id, l]));
  const order: OrderRecord = { row: record.row, lines: record.lines.map((l) => moved.get(l.id) ?? l) };
  const emptied = { row: current.row, lines: [] };
  await writeDeliveryOrderChanges(
    tctx,
    order,
    all.map((d) => (d === current ? emptied : d)),
    [
      {
        current: emptied,
        outcome: {
          row: { ...current.row, rerouted_to: id },
          changes: { reroutedTo: { from: null, to: id }, supplierId: { from: current.row.supplier_id, to: p.supplierId } },
          lineStatus: undefined,
          action: 'rerouted',
          events: ['delivery-order/updated'],
        },
      },
    ],
    [created],
  );
  return `Delivery order ${current.row.number} rerouted: its lines are now delivery order ${number}, sent to supplier ${p.supplierId}`;
}
