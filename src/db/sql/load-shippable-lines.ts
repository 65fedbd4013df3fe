/**
 * The lines of a batch of orders with only what a shipment reads and writes (ids, sku, quantities, status), for
 * `createShipments` when no webhook wants an order's or delivery order's body (else it reads whole orders). On
 * SQLite as one JSON array: better-sqlite3 builds a JS object per row one property at a time (see
 * load-order-batch.ts); PostgreSQL takes the ids as one array parameter.
 */
import type { Db, Executor } from '../database.ts';
import { runPrebuilt } from '../prebuilt-statements.ts';

export interface ShippableLine {
  id: number;
  order_id: string;
  delivery_order_id: string | null;
  sku: string | null;
  quantity: number;
  fulfilled_quantity: number;
  status: string;
}

const SQLITE = `SELECT json_group_array(json_array(id, order_id, delivery_order_id, sku, quantity, fulfilled_quantity, status) ORDER BY order_id, position)
  AS lines FROM order_lines WHERE order_id IN (SELECT value FROM json_each(?))`;
const POSTGRES = `SELECT id, order_id, delivery_order_id, sku, quantity, fulfilled_quantity, status FROM order_lines
  WHERE order_id = ANY($1::text[]) ORDER BY order_id, position`;

type Tuple = [number, string, string | null, string | null, number, number, string];

/** The lines of each order, in position order (every order asked for has an entry). */
export async function loadShippableLines(db: Db, tx: Executor, orderIds: string[]): Promise<Map<string, ShippableLine[]>> {
  const byOrder = new Map<string, ShippableLine[]>(orderIds.map((id) => [id, []]));
  if (orderIds.length === 0) return byOrder;
  let rows: ShippableLine[];
  if (db.kind === 'postgres') rows = await runPrebuilt<ShippableLine>(tx, POSTGRES, [orderIds]);
  else {
    const [{ lines }] = await runPrebuilt<{ lines: string }>(tx, SQLITE, [JSON.stringify(orderIds)]);
    rows = (JSON.parse(lines) as Tuple[]).map(([id, order_id, delivery_order_id, sku, quantity, fulfilled_quantity, status]) => ({
      id, order_id, delivery_order_id, sku, quantity, fulfilled_quantity, status,
    }));
  }
  for (const l of rows) byOrder.get(l.order_id)?.push(l);
  return byOrder;
}
