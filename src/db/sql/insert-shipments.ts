/**
 * Inserts new shipments and their items (one `createShipments` call brings up to 1,000 of each) as prebuilt SQL:
 * Kysely's builder spent 14 % of a call turning 19 values a row into nodes and back. The values every shipment of
 * a call shares (state, last event, client, time) are bound once; a row binds 13. A new shipment's last event is
 * dated at its `shipped_at`. PostgreSQL takes one array per column through `unnest` (one text to parse and
 * plan, whatever the count); SQLite a VALUES list, its text built once per row count.
 */
import type { Db, Executor } from '../database.ts';
import type { ShipmentTable } from '../tables.ts';
import { BULK_ROWS, prebuilt, runPrebuilt, valuesRows } from '../prebuilt-statements.ts';

/** The columns that differ per shipment. */
export type NewShipmentRow = Pick<
  ShipmentTable,
  | 'id' | 'delivery_order_id' | 'delivery_order_number' | 'order_id' | 'organization_id' | 'supplier_id' | 'carrier' | 'method'
  | 'tracking_number' | 'tracking_url' | 'reference' | 'weight' | 'shipped_at'
>;

/** The values every shipment of one call shares. */
export interface NewShipmentsShared {
  state: ShipmentTable['state'];
  lastEvent: string;
  clientId: string | null;
  now: string;
}

export interface NewShipmentItem {
  shipment_id: string;
  line_id: number;
  quantity: number;
}

const COLUMNS = `id, delivery_order_id, delivery_order_number, order_id, organization_id, supplier_id, carrier, method, tracking_number,
  tracking_url, reference, weight, shipped_at, last_event_at, state, last_event, client_id, created_at, updated_at`;

const SHIPMENTS_POSTGRES = `INSERT INTO shipments (${COLUMNS})
  SELECT v.id, v.d, v.n, v.o, v.org, v.sup, v.carrier, v.method, v.tn, v.tu, v.ref, v.w, v.at, v.at, $14, $15, $16, $17, $17
  FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
    $11::text[], $12::real[], $13::text[]) AS v(id, d, n, o, org, sup, carrier, method, tn, tu, ref, w, at)`;

const ITEMS_POSTGRES = `INSERT INTO shipment_items (shipment_id, line_id, quantity)
  SELECT * FROM unnest($1::text[], $2::int[], $3::int[])`;

export async function insertShipments(
  db: Db,
  tx: Executor,
  rows: readonly NewShipmentRow[],
  items: readonly NewShipmentItem[],
  shared: NewShipmentsShared,
): Promise<void> {
  if (rows.length === 0) return;
  const { state, lastEvent, clientId, now } = shared;
  if (db.kind === 'postgres') {
    const col = <K extends keyof NewShipmentRow>(k: K) => rows.map((r) => r[k]);
    await runPrebuilt(tx, SHIPMENTS_POSTGRES, [
      col('id'), col('delivery_order_id'), col('delivery_order_number'), col('order_id'), col('organization_id'), col('supplier_id'),
      col('carrier'), col('method'), col('tracking_number'), col('tracking_url'), col('reference'), col('weight'), col('shipped_at'),
      state, lastEvent, clientId, now,
    ]);
    if (items.length > 0) {
      await runPrebuilt(tx, ITEMS_POSTGRES, [items.map((i) => i.shipment_id), items.map((i) => i.line_id), items.map((i) => i.quantity)]);
    }
    return;
  }
  for (let from = 0; from < rows.length; from += BULK_ROWS) {
    const chunk = rows.slice(from, from + BULK_ROWS);
    const text = prebuilt('sqlite', `shipments:${chunk.length}`, () =>
      `INSERT INTO shipments (${COLUMNS})
        SELECT column1, column2, column3, column4, column5, column6, column7, column8, column9, column10, column11, column12,
          column13, column13, ?, ?, ?, ?, ? FROM (VALUES ${valuesRows(chunk.length, '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')})`,
    );
    const params: unknown[] = [state, lastEvent, clientId, now, now];
    for (const r of chunk) {
      params.push(
        r.id, r.delivery_order_id, r.delivery_order_number, r.order_id, r.organization_id, r.supplier_id, r.carrier, r.method,
        r.tracking_number, r.tracking_url, r.reference, r.weight, r.shipped_at,
      );
    }
    await runPrebuilt(tx, text, params);
  }
  for (let from = 0; from < items.length; from += BULK_ROWS) {
    const chunk = items.slice(from, from + BULK_ROWS);
    const text = prebuilt('sqlite', `shipment_items:${chunk.length}`, () =>
      `INSERT INTO shipment_items (shipment_id, line_id, quantity) VALUES ${valuesRows(chunk.length, '(?, ?, ?)')}`,
    );
    const params: unknown[] = [];
    for (const i of chunk) params.push(i.shipment_id, i.line_id, i.quantity);
    await runPrebuilt(tx, text, params);
  }
}
