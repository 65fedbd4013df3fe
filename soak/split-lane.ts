/**
 * The soak's split orders (delivery orders and shipments): a merchant lane whose orders have lines for two
 * suppliers. The second supplier rejects about half of its parts, which the merchant reroutes to the first, and
 * ships the others; the first supplier ships its parts in one or two parcels (one partial). Whatever an answer
 * lost to a kill did, the checks (split-checks.ts) read the end state from the database, not from the ledger.
 */
import { call, type LoadContext } from './load.ts';

export interface SplitWorld {
  /** A merchant token with the delivery-order and shipment scopes. */
  merchantToken: string;
  first: { id: string; token: string };
  second: { id: string; token: string };
}

interface Part {
  id: string;
  number: number;
  supplierId: string;
  state: string;
  reroutedTo: string | null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const SHIP = 'mutation($s: [ShipmentInput]) { core { createShipments(shipments: $s) { id } } }';

async function partsOf(ctx: LoadContext, w: SplitWorld, orderId: string): Promise<Part[] | undefined> {
  const a = await call(ctx, w.merchantToken, '/graphql', 'query($id: String!) { deliveryOrders(orderId: $id) { id number supplierId state reroutedTo } }', { id: orderId });
  return a.kind === 'answer' ? a.data?.deliveryOrders : undefined;
}

/** The first supplier ships its part: a partial parcel of one unit when there is more than one, then the rest. */
async function shipFirst(ctx: LoadContext, w: SplitWorld, part: Part, quantity: number): Promise<void> {
  if (quantity > 1 && ctx.random() < 0.5) {
    await call(ctx, w.first.token, '/fulfiller/graphql', SHIP, { s: [{ order_id: part.number, items: [{ external_ref: 'SPLIT-A', quantity: 1 }], tracking_number: `p${part.number}`, tracking_url: `https://track.example/p${part.number}` }] });
    ctx.ledger.counts.shipments += 1;
  }
  await call(ctx, w.first.token, '/fulfiller/graphql', SHIP, { s: [{ order_id: part.number, tracking_number: `r${part.number}` }] });
  ctx.ledger.counts.shipments += 1;
}

export async function splitLane(ctx: LoadContext, w: SplitWorld, lane: number): Promise<void> {
  let seq = 0;
  while (!ctx.stopped()) {
    const [qa, qb] = [1 + Math.floor(ctx.random() * 3), 1 + Math.floor(ctx.random() * 3)];
    const comment = `s${lane}.${seq++}`;
    const created = await call(ctx, w.merchantToken, '/graphql', 'mutation($input: OrderInput!) { orderCreate(input: $input) { id number } }', {
      input: {
        externalReference: `split-${lane}-${seq}-${Date.now()}`,
        comment,
        state: 'OPENED',
        lines: [
          { sku: 'SPLIT-A', label: 'First supplier', quantity: qa, price: 1 },
          { sku: 'SPLIT-B', label: 'Second supplier', quantity: qb, price: 1, supplierId: w.second.id },
        ],
      },
    });
    const order = created.kind === 'answer' ? created.data?.orderCreate : undefined;
    if (!order) continue;
    ctx.ledger.counts.splitOrders += 1;
    ctx.ledger.addOrder(order.id, order.number).comment.push({ value: comment, outcome: { kind: 'applied' } });
    const parts = await partsOf(ctx, w, order.id);
    const first = parts?.find((p) => p.supplierId === w.first.id);
    const second = parts?.find((p) => p.supplierId === w.second.id);
    if (!first || !second) continue;

    let rerouting = false;
    if (ctx.random() < 0.5) {
      const rejected = await call(ctx, w.second.token, '/fulfiller/graphql', 'mutation($o: [RejectOrderInput]) { core { rejectOrders(orders: $o) { id } } }', {
        o: [{ id: second.number, reason: 'soak: out of stock', reason_code: 'OUT_OF_STOCK' }],
      });
      if (rejected.kind === 'answer' && rejected.data?.core?.rejectOrders?.[0]) {
        ctx.ledger.counts.rejections += 1;
        const r = await call(ctx, w.merchantToken, '/graphql', 'mutation($id: String!, $s: String!) { deliveryOrderReroute(id: $id, supplierId: $s) { id state } }', {
          id: second.id,
          s: w.first.id,
        });
        const request = r.kind === 'answer' ? r.data?.deliveryOrderReroute : undefined;
        if (request) {
          ctx.ledger.counts.reroutes += 1;
          ctx.ledger.recordRequest(request.id, order.id, request.state);
          rerouting = true;
        }
      }
    } else {
      await call(ctx, w.second.token, '/fulfiller/graphql', SHIP, { s: [{ order_id: second.number }] });
      ctx.ledger.counts.shipments += 1;
    }
    await shipFirst(ctx, w, first, qa);

    // A reroute is a dispatchable request: once applied, the first supplier ships the new part too (a few tries).
    for (let i = 0; rerouting && i < 20 && !ctx.stopped(); i++) {
      const rerouted = (await partsOf(ctx, w, order.id))?.find((p) => p.supplierId === w.first.id && p.id !== first.id && p.state !== 'COMPLETED');
      if (rerouted) {
        await shipFirst(ctx, w, rerouted, qb);
        break;
      }
      if (i === 0 && ctx.random() < 0.3) break; // some rerouted parts stay unshipped
      await sleep(100);
    }
  }
}
