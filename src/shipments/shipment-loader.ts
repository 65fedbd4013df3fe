/**
 * The `shipments` of a list of orders or delivery orders, read together: GraphQL resolves the field once per
 * parent, and one query per order of a 100-order page was 100 round trips. Calls made for one request (its `Ctx`)
 * in the same turn are gathered and answered by one `readShipments`, then split by parent.
 */
import type { Ctx } from '../context.ts';
import { readShipments, type ShipmentRecord } from './shipment-store.ts';

type Parent = 'order' | 'deliveryOrder';

interface Batch {
  keys: Set<string | number>;
  done: Promise<Map<string | number, ShipmentRecord[]>>;
}

const pending = new WeakMap<Ctx, Partial<Record<Parent, Batch>>>();

async function load(ctx: Ctx, parent: Parent, keys: Set<string | number>): Promise<Map<string | number, ShipmentRecord[]>> {
  const db = ctx.services.db.kysely;
  const records =
    parent === 'order'
      ? await readShipments(db, { orderIds: [...keys] as string[] })
      : await readShipments(db, { deliveryOrderNumbers: [...keys] as number[] });
  const byKey = new Map<string | number, ShipmentRecord[]>();
  for (const r of records) {
    const key = parent === 'order' ? r.row.order_id : r.row.delivery_order_number;
    const list = byKey.get(key);
    if (list) list.push(r);
    else byKey.set(key, [r]);
  }
  return byKey;
}

/** The shipments of an order (by id) or a delivery order (by number), oldest first. */
export async function shipmentsOf(ctx: Ctx, parent: Parent, key: string | number): Promise<ShipmentRecord[]> {
  let batches = pending.get(ctx);
  if (!batches) {
    batches = {};
    pending.set(ctx, batches);
  }
  let batch = batches[parent];
  if (!batch) {
    const keys = new Set<string | number>();
    const open = batches;
    // As DataLoader does: after the promises already queued have run, so that sibling resolvers join the batch.
    const done = new Promise<void>((resolve) => Promise.resolve().then(() => process.nextTick(resolve))).then(() => {
      open[parent] = undefined; // later calls start the next batch
      return load(ctx, parent, keys);
    });
    batch = { keys, done };
    batches[parent] = batch;
  }
  batch.keys.add(key);
  return (await batch.done).get(key) ?? [];
}
