/**
 * The soak's checks of delivery orders and shipments, read from the database after the drain, over every order of
 * the merchant (split or not): each line sits in exactly one live delivery order, the order's columns are the
 * roll-up of its parts, shipped units never exceed a line and are its fulfilled quantity, line statuses follow
 * their part and their shipments, and a delivery order's version is its number of history rows.
 */
import type { DirectDb } from '../test/support/direct-db.ts';
import { isLive, lineStatusOf, rollUp, type RollUpPart } from '../src/fulfilment/roll-up.ts';
import { shippedLineStatus } from '../src/shipments/shipment-plan.ts';
import { check, type Check } from './check.ts';

type PartRow = RollUpPart & { id: string; order_id: string; version: number };

export async function runSplitChecks(db: DirectDb, merchantOrgId: string): Promise<Check[]> {
  const org = [merchantOrgId];
  const parts = await db.query<PartRow>(
    'SELECT id, order_id, number, state, status, locked, rerouted_to, shipping_carrier, shipping_method, shipping_tracking, version FROM delivery_orders WHERE organization_id = $1',
    org,
  );
  const orders = await db.query<{ id: string; state: string; status: number; locked: number }>('SELECT id, state, status, locked FROM orders WHERE organization_id = $1', org);
  const lines = await db.query<{ id: number; order_id: string; delivery_order_id: string | null; quantity: number; fulfilled_quantity: number; status: string }>(
    'SELECT id, order_id, delivery_order_id, quantity, fulfilled_quantity, status FROM order_lines WHERE organization_id = $1',
    org,
  );
  const shipped = await db.query<{ line_id: number; n: number }>(
    'SELECT i.line_id, SUM(i.quantity) AS n FROM shipment_items i JOIN shipments s ON s.id = i.shipment_id WHERE s.organization_id = $1 GROUP BY i.line_id',
    org,
  );
  const history = await db.query<{ delivery_order_id: string; n: number }>(
    'SELECT e.delivery_order_id, COUNT(*) AS n FROM order_events e JOIN delivery_orders d ON d.id = e.delivery_order_id WHERE d.organization_id = $1 GROUP BY e.delivery_order_id',
    org,
  );
  const partById = new Map(parts.map((p) => [p.id, { ...p, number: Number(p.number), status: Number(p.status), locked: Number(p.locked) }]));
  const partsByOrder = new Map<string, PartRow[]>();
  for (const p of partById.values()) partsByOrder.set(p.order_id, [...(partsByOrder.get(p.order_id) ?? []), p]);
  const shippedByLine = new Map(shipped.map((s) => [Number(s.line_id), Number(s.n)]));
  const historyByPart = new Map(history.map((h) => [h.delivery_order_id, Number(h.n)]));

  const placement: string[] = [];
  const shipping: string[] = [];
  const statuses: string[] = [];
  for (const l of lines) {
    const mine = partsByOrder.get(l.order_id);
    if (!mine) continue; // never opened: a DRAFT order has no delivery order
    const part = l.delivery_order_id ? partById.get(l.delivery_order_id) : undefined;
    if (!part || part.order_id !== l.order_id || !isLive(part)) {
      placement.push(`line ${l.id} of order ${l.order_id} is in ${part ? `delivery order #${part.number}, ${isLive(part) ? 'of another order' : 'rerouted'}` : 'no delivery order'}`);
      continue;
    }
    const n = shippedByLine.get(Number(l.id)) ?? 0;
    const [quantity, fulfilled] = [Number(l.quantity), Number(l.fulfilled_quantity)];
    if (n > quantity || n !== fulfilled) shipping.push(`line ${l.id}: ${n} shipped of ${quantity}, fulfilledQuantity ${fulfilled}`);
    const byPart = lineStatusOf(part);
    const expected = fulfilled > 0 ? shippedLineStatus(quantity, fulfilled, byPart) : byPart;
    if (l.status !== expected) statuses.push(`line ${l.id} (${fulfilled}/${quantity} shipped, part #${part.number} ${part.state} ${part.status}) is ${l.status}, expected ${expected}`);
  }

  const rolled: string[] = [];
  for (const o of orders) {
    const mine = partsByOrder.get(o.id);
    if (!mine) continue;
    const r = rollUp(mine);
    if (r.state !== o.state || r.status !== Number(o.status) || r.locked !== Number(o.locked)) {
      rolled.push(`order ${o.id}: ${o.state}/${o.status}/locked ${o.locked}, its parts roll up to ${r.state}/${r.status}/locked ${r.locked}`);
    }
  }
  const versions = parts.filter((p) => Number(p.version) !== (historyByPart.get(p.id) ?? 0)).map((p) => `delivery order #${p.number}: version ${p.version}, ${historyByPart.get(p.id) ?? 0} history rows`);

  const split = [...partsByOrder.values()].filter((ps) => ps.length > 1).length;
  const rerouted = parts.filter((p) => !isLive(p)).length;
  const totalShipped = [...shippedByLine.values()].reduce((a, b) => a + b, 0);
  return [
    check('every line of an opened order in exactly one live delivery order', `${parts.length} delivery orders (${split} orders split, ${rerouted} parts rerouted)`, placement),
    check("every order's status, state and lock are the roll-up of its parts", `${partsByOrder.size} opened orders`, rolled),
    check('shipped units never exceed a line, and are its fulfilledQuantity', `${totalShipped} units shipped over ${shippedByLine.size} lines`, shipping),
    check('line statuses follow their delivery order and their shipments', `${lines.length} lines`, statuses),
    check('a delivery order’s version = its history rows', `${parts.length} delivery orders`, versions),
  ];
}
