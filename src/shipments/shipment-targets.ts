/**
 * Finds the delivery order each shipment names, by number, by the order's external reference (fulfiller
 * dialect) or by id (merchant dialect), as delivery-order numbers the batch then loads and locks. A name the
 * caller may not access is NOT_FOUND, as for orders; an external reference that names several of the caller's
 * delivery orders (a split order) is BAD_USER_INPUT asking for the number.
 */
import type { Ctx } from '../context.ts';
import type { Executor } from '../db/database.ts';
import { badInput, type DomainError, notFound } from '../errors/domain-error.ts';
import type { DeliveryOrderRow } from '../fulfilment/delivery-order-store.ts';

export type ShipmentTarget = { number: number } | { externalRef: string } | { deliveryOrderId: string };

/** Who may act on a delivery order in the caller's dialect. */
export type MayAccess = (ctx: Ctx, row: Pick<DeliveryOrderRow, 'organization_id' | 'supplier_id'>) => boolean;

/** The number of each target's delivery order (same index), or why there is none. */
export async function resolveTargets(
  ctx: Ctx,
  db: Executor,
  targets: readonly (ShipmentTarget | undefined)[],
  may: MayAccess,
  field: (i: number) => string,
): Promise<(number | DomainError | undefined)[]> {
  const refs = new Set<string>();
  const ids = new Set<string>();
  for (const t of targets) {
    if (t && 'externalRef' in t) refs.add(t.externalRef);
    else if (t && 'deliveryOrderId' in t) ids.add(t.deliveryOrderId);
  }
  const byRef = new Map<string, number[]>();
  if (refs.size > 0) {
    const rows = await db
      .selectFrom('delivery_orders as d')
      .innerJoin('orders as o', 'o.id', 'd.order_id')
      .select(['d.number', 'd.organization_id', 'd.supplier_id', 'o.external_reference'])
      .where('o.external_reference', 'in', [...refs])
      .where('d.rerouted_to', 'is', null)
      .execute();
    for (const r of rows) {
      if (!may(ctx, r)) continue;
      const list = byRef.get(r.external_reference!) ?? [];
      list.push(r.number);
      byRef.set(r.external_reference!, list);
    }
  }
  const byId = new Map<string, number>();
  if (ids.size > 0) {
    const rows = await db.selectFrom('delivery_orders').select(['id', 'number', 'organization_id', 'supplier_id']).where('id', 'in', [...ids]).execute();
    for (const r of rows) if (may(ctx, r)) byId.set(r.id, r.number);
  }
  return targets.map((t, i) => {
    if (!t) return undefined;
    if ('number' in t) return t.number;
    if ('deliveryOrderId' in t) return byId.get(t.deliveryOrderId) ?? notFound('delivery order', t.deliveryOrderId);
    const found = byRef.get(t.externalRef) ?? [];
    if (found.length === 0) return notFound('order', t.externalRef);
    if (found.length > 1) return badInput(field(i), `names ${found.length} of your orders (${found.join(', ')}): give the order's id instead`);
    return found[0];
  });
}
