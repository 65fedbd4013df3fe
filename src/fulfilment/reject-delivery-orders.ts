/**
 * A fulfiller refuses delivery orders (KornitX dialect `rejectOrders`), before production starts, with a reason
 * the merchant reads; the merchant may then reroute each one (reroute-delivery-order.ts). Each order of a batch
 * is applied on its own: a refused one is an error at its index. Rejections are rare, so they are applied one
 * by one, in one transaction.
 */
import { withTransaction, type Ctx } from '../context.ts';
import { requireScope } from '../auth/scopes.ts';
import { badInput, DomainError, notFound } from '../errors/domain-error.ts';
import { loadOrderForChange } from '../orders/order-store.ts';
import { fulfillerMayAccess, MAX_BATCH, type FulfillerResult } from '../orders/fulfiller-updates.ts';
import { deliveryOrderRejection } from './delivery-order-change.ts';
import { deliveryOrderRecords } from './delivery-order-store.ts';
import { writeDeliveryOrderChanges } from './delivery-order-writes.ts';

export interface Rejection {
  id: number;
  reason: string;
  reasonCode: string | null;
}

const MAX_REASON = 1000;

function validate(r: Rejection, i: number): DomainError | undefined {
  if (r.reason.trim() === '') return badInput(`orders[${i}].reason`, 'must not be empty: say why the order is refused');
  if (r.reason.length > MAX_REASON) return badInput(`orders[${i}].reason`, `must be at most ${MAX_REASON} characters`);
  if (r.reasonCode != null && (r.reasonCode.length === 0 || r.reasonCode.length > 255)) {
    return badInput(`orders[${i}].reason_code`, 'must be 1 to 255 characters');
  }
  return undefined;
}

export async function rejectDeliveryOrders(ctx: Ctx, rejections: (Rejection | null)[]): Promise<(FulfillerResult | DomainError)[]> {
  requireScope(ctx, 'order-it.order-manager.edit');
  if (rejections.length > MAX_BATCH) throw badInput('orders', `must contain at most ${MAX_BATCH} orders per call (got ${rejections.length})`);
  return withTransaction(ctx, async (tctx) => {
    const results: (FulfillerResult | DomainError)[] = [];
    for (let i = 0; i < rejections.length; i++) {
      const r = rejections[i];
      if (!r) {
        results.push(badInput(`orders[${i}]`, 'must be an order, not null'));
        continue;
      }
      const invalid = validate(r, i);
      if (invalid) {
        results.push(invalid);
        continue;
      }
      const found = await tctx.tx.selectFrom('delivery_orders').select(['order_id', 'organization_id', 'supplier_id']).where('number', '=', r.id).executeTakeFirst();
      if (!found || !fulfillerMayAccess(tctx, found)) {
        results.push(notFound('order', r.id));
        continue;
      }
      // The order row's lock guards its delivery orders; the system context reads it whatever the merchant access.
      const order = await loadOrderForChange({ ...tctx, actor: null }, { id: found.order_id });
      const all = await deliveryOrderRecords(tctx.tx, order);
      const current = all.find((d) => d.row.number === r.id)!;
      const outcome = deliveryOrderRejection(current.row, r.reason, r.reasonCode);
      if (outcome instanceof DomainError) {
        results.push(outcome);
        continue;
      }
      const written = await writeDeliveryOrderChanges(tctx, order, all, [
        { current, outcome, extra: { reason: outcome.reason, reason_code: outcome.reasonCode } },
      ]);
      const deliveryOrder = written.deliveryOrders.find((d) => d.row.number === r.id)!.row;
      results.push({ deliveryOrder, order: written.order });
    }
    return results;
  });
}
