/**
 * An OPENED order's lines replaced by the merchant (before production): each new line joins the delivery order
 * in progress of its supplier (its own `supplierId`, else the order's only delivery order in progress, else the
 * order's supplier). A line whose supplier has none in progress is refused, naming it.
 */
import type { TxCtx } from '../context.ts';
import { badInput } from '../errors/domain-error.ts';
import type { LineRow, OrderRow } from '../orders/order-record.ts';
import { assignLines, deliveryOrdersOf } from './delivery-order-store.ts';
import { isLive, lineStatusOf } from './roll-up.ts';

export async function assignOpenedLines(tctx: TxCtx, order: OrderRow, lines: LineRow[]): Promise<LineRow[]> {
  const all = (await deliveryOrdersOf(tctx.tx, [order.id])).get(order.id)!;
  const inProgress = all.filter((d) => isLive(d) && (d.state === 'PENDING' || d.state === 'OPENED'));
  const fallback = inProgress.length === 1 ? inProgress[0].supplier_id : order.supplier_id;
  const byDeliveryOrder = new Map<string, number[]>();
  const out = lines.map((l, i) => {
    const supplierId = l.supplier_id ?? fallback;
    const d = inProgress.find((x) => x.supplier_id === supplierId);
    if (!d) {
      throw badInput(`lines[${i}].supplierId`, `line ${i + 1} goes to a supplier with no delivery order in progress for this order`);
    }
    byDeliveryOrder.set(d.id, [...(byDeliveryOrder.get(d.id) ?? []), l.id]);
    return { ...l, delivery_order_id: d.id, status: lineStatusOf(d) };
  });
  for (const [id, ids] of byDeliveryOrder) await assignLines(tctx.tx, ids, id, lineStatusOf(inProgress.find((d) => d.id === id)!));
  return out;
}
