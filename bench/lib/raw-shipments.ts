/**
 * The raw baseline of the `createShipments` scenario: the writes of one `createShipments` call of 1,000 shipments,
 * as set-based SQL written by hand on the bench's own connection to the bench database (better-sqlite3 on the
 * SQLite file, beside the server, or a pg client), in one transaction:
 *
 *   insert the 1,000 shipments, insert their 1,000 items, UPDATE the lines' fulfilled quantity and status,
 *   UPDATE the delivery orders (locked, version, updated_at), UPDATE the orders (the same), insert the 1,000
 *   history rows (`order_events`, action `shipped`, the changes as JSON; on SQLite also the batched history index
 *   of migration 004, as the product does for every 1,000 rows), insert the 3,000 outbox rows (shipment/created,
 *   delivery-order/updated, order/updated per shipment, payload `null` as when no webhook subscribes).
 *
 * What it leaves out, and the product does: HTTP, GraphQL parsing and validation, loading the orders and lines
 * (and, on PostgreSQL, locking them), the rules, the webhook lookup, the response. Its statements bind the values
 * rows share once, and are prepared once (named statements on PostgreSQL). So it is a floor for the write part: the
 * ratio product ÷ raw says how much of a call is more than the writes.
 *
 * Each transaction ships one unit of the one line of each of its 1,000 orders (the orders are the scenario's own,
 * never touched by the HTTP calls); the fulfilled quantities are counted here, from what was read at start.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { BenchDatabase } from './bench-database.ts';

/** One order of the raw chunk, as read from the bench database. */
export interface RawOrder {
  orderId: string;
  deliveryOrderId: string;
  number: number;
  lineId: number;
  quantity: number;
  fulfilled: number;
  /** SQLite rowids (the product finds rows by rowid there); undefined on PostgreSQL. */
  orderRowid?: number;
  deliveryOrderRowid?: number;
}

export interface RawShipments {
  /** Runs one transaction of the chunk's 1,000 shipments. */
  run(): Promise<void>;
  /** PostgreSQL: the pid of the raw connection's backend (for its CPU, and to leave it out of the server's). */
  backendPid?: number;
  /** Wall ms spent in each statement (and COMMIT) so far, summed over the transactions run. */
  statementMs: Record<string, number>;
  close(): Promise<void>;
}

/** Time-ordered ids like the product's (UUIDv7, src/db/row-ids.ts), so new rows land at the end of the key index. */
function idsV7(n: number): string[] {
  const pool = randomBytes(16 * n);
  const ms = Date.now();
  const out: string[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const b = pool.subarray(16 * k, 16 * k + 16);
    let t = ms;
    for (let i = 5; i >= 0; i--) {
      b[i] = t % 256;
      t = Math.floor(t / 256);
    }
    b[6] = (b[6] & 0x0f) | 0x70;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString('hex');
    out[k] = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return out;
}

/** Per transaction: the values that differ per shipment. */
function batch(orders: RawOrder[]) {
  const ids = idsV7(orders.length);
  const now = new Date().toISOString();
  const lines: [number, number, string][] = [];
  const changes: string[] = [];
  orders.forEach((o, k) => {
    const from = o.fulfilled;
    o.fulfilled += 1;
    const status = o.fulfilled >= o.quantity ? 'FULFILLED' : 'PARTIALLY_FULFILLED';
    lines.push([o.lineId, o.fulfilled, status]);
    // As the product's history entry: the units shipped, the line's status and the lock when they change, the shipment.
    const c: Record<string, { from: unknown; to: unknown }> = { [`lines.${o.lineId}.fulfilledQuantity`]: { from, to: o.fulfilled } };
    if (from === 0) {
      c[`lines.${o.lineId}.status`] = { from: 'ACCEPTED', to: status };
      c.locked = { from: false, to: true };
    }
    c.shipment = { from: null, to: ids[k] };
    changes.push(JSON.stringify(c));
  });
  return { ids, now, lines, changes };
}

const values = (rows: number, tuple: string) => Array.from({ length: rows }, () => tuple).join(', ');

export async function openRawShipments(
  db: BenchDatabase,
  orders: RawOrder[],
  shared: { organizationId: string; supplierId: string; clientId: string },
): Promise<RawShipments> {
  return db.kind === 'sqlite' ? openSqlite(db, orders, shared) : openPostgres(db, orders, shared);
}

function openSqlite(db: BenchDatabase, orders: RawOrder[], shared: { organizationId: string; supplierId: string; clientId: string }): RawShipments {
  const conn = new Database(path.join(db.dataDir, 'ordergraph.sqlite'), { fileMustExist: true });
  // The server's settings (src/db/database.ts).
  conn.pragma('synchronous = NORMAL');
  conn.pragma('foreign_keys = ON');
  conn.pragma('busy_timeout = 5000');
  conn.pragma('cache_size = -65536');
  conn.pragma('temp_store = MEMORY');
  const n = orders.length;
  const insertShipments = conn.prepare(
    `INSERT INTO shipments (id, delivery_order_id, delivery_order_number, order_id, tracking_number, tracking_url,
        organization_id, supplier_id, carrier, method, reference, weight, shipped_at, state, last_event, last_event_at, client_id, created_at, updated_at)
      SELECT column1, column2, column3, column4, column5, column6, ?, ?, 'DHL', NULL, NULL, NULL, ?, 'OPENED', 'NEW', ?, ?, ?, ?
      FROM (VALUES ${values(n, '(?, ?, ?, ?, ?, ?)')})`,
  );
  const insertItems = conn.prepare(`INSERT INTO shipment_items (shipment_id, line_id, quantity) SELECT column1, column2, 1 FROM (VALUES ${values(n, '(?, ?)')})`);
  const updateLines = conn.prepare(
    `WITH v(id, f, s) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?))
      UPDATE order_lines SET fulfilled_quantity = v.f, status = v.s FROM v WHERE order_lines.id = v.id`,
  );
  const updateDeliveryOrders = conn.prepare('UPDATE delivery_orders SET locked = 1, version = version + 1, updated_at = ? WHERE rowid IN (SELECT value FROM json_each(?))');
  const updateOrders = conn.prepare('UPDATE orders SET locked = 1, version = version + 1, updated_at = ? WHERE rowid IN (SELECT value FROM json_each(?))');
  const insertHistory = conn.prepare(
    `INSERT INTO order_events (order_id, organization_id, client_id, request_id, action, changes, created_at, delivery_order_id)
      SELECT column1, ?, ?, NULL, 'shipped', column2, ?, column3 FROM (VALUES ${values(n, '(?, ?, ?)')})`,
  );
  const indexTail = conn.prepare(`INSERT INTO order_event_index SELECT order_id, id FROM order_events
    WHERE id > (SELECT indexed_through FROM order_event_index_state) ORDER BY order_id, id`);
  const moveMark = conn.prepare('UPDATE order_event_index_state SET indexed_through = (SELECT max(id) FROM order_events)');
  const insertOutbox = conn.prepare(
    `INSERT INTO outbox_events (organization_id, order_id, subject_id, type, payload, created_at)
      SELECT ?, column1, column2, ?, 'null', ? FROM (VALUES ${values(n, '(?, ?)')})`,
  );
  const statementMs: Record<string, number> = {};
  const timed = (name: string, f: () => unknown) => {
    const t = performance.now();
    f();
    statementMs[name] = (statementMs[name] ?? 0) + performance.now() - t;
  };
  const doRowids = JSON.stringify(orders.map((o) => o.deliveryOrderRowid));
  const orderRowids = JSON.stringify(orders.map((o) => o.orderRowid));
  const tx = conn.transaction(() => {
    const { ids, now, lines, changes } = batch(orders);
    const p: unknown[] = [shared.organizationId, shared.supplierId, now, now, shared.clientId, now, now];
    orders.forEach((o, k) => p.push(ids[k], o.deliveryOrderId, o.number, o.orderId, `bench-raw-${ids[k]}`, `https://track.example/${ids[k]}`));
    timed('shipments', () => insertShipments.run(p));
    timed('items', () => insertItems.run(orders.flatMap((o, k) => [ids[k], o.lineId])));
    timed('lines', () => updateLines.run(JSON.stringify(lines)));
    timed('delivery_orders', () => updateDeliveryOrders.run(now, doRowids));
    timed('orders', () => updateOrders.run(now, orderRowids));
    const h: unknown[] = [shared.organizationId, shared.clientId, now];
    orders.forEach((o, k) => h.push(o.orderId, changes[k], o.deliveryOrderId));
    timed('history', () => insertHistory.run(h));
    timed('history_index', () => {
      indexTail.run();
      moveMark.run();
    });
    timed('outbox', () => {
      insertOutbox.run([shared.organizationId, 'shipment/created', now, ...orders.flatMap((o, k) => [o.orderId, ids[k]])]);
      insertOutbox.run([shared.organizationId, 'delivery-order/updated', now, ...orders.flatMap((o) => [o.orderId, o.orderId])]);
      insertOutbox.run([shared.organizationId, 'order/updated', now, ...orders.flatMap((o) => [o.orderId, o.orderId])]);
    });
  });
  return {
    statementMs,
    run: async () => {
      // BEGIN IMMEDIATE … COMMIT: the time outside the statements is the COMMIT (and BEGIN).
      const t = performance.now();
      const before = Object.values(statementMs).reduce((a, b) => a + b, 0);
      tx.immediate();
      const inside = Object.values(statementMs).reduce((a, b) => a + b, 0) - before;
      statementMs.commit = (statementMs.commit ?? 0) + performance.now() - t - inside;
    },
    close: async () => {
      conn.close();
    },
  };
}

async function openPostgres(db: BenchDatabase, orders: RawOrder[], shared: { organizationId: string; supplierId: string; clientId: string }): Promise<RawShipments> {
  const client = new pg.Client({ connectionString: db.databaseUrl });
  await client.connect();
  const [{ pid }] = (await client.query('SELECT pg_backend_pid() AS pid')).rows as { pid: number }[];
  const orderIds = orders.map((o) => o.orderId);
  const doIds = orders.map((o) => o.deliveryOrderId);
  const statementMs: Record<string, number> = {};
  const q = async (name: string, text: string, params: unknown[]) => {
    const t = performance.now();
    await client.query({ name, text, values: params });
    statementMs[name] = (statementMs[name] ?? 0) + performance.now() - t;
  };
  return {
    backendPid: Number(pid),
    statementMs,
    run: async () => {
      const { ids, now, lines, changes } = batch(orders);
      await client.query('BEGIN');
      try {
        await q(
          'raw-shipments',
          `INSERT INTO shipments (id, delivery_order_id, delivery_order_number, order_id, tracking_number, tracking_url,
              organization_id, supplier_id, carrier, method, reference, weight, shipped_at, state, last_event, last_event_at, client_id, created_at, updated_at)
            SELECT v.id, v.d, v.n, v.o, v.t, v.u, $7, $8, 'DHL', NULL, NULL, NULL, $9, 'OPENED', 'NEW', $9, $10, $9, $9
            FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[]) AS v(id, d, n, o, t, u)`,
          [
            ids, doIds, orders.map((o) => o.number), orderIds, ids.map((id) => `bench-raw-${id}`), ids.map((id) => `https://track.example/${id}`),
            shared.organizationId, shared.supplierId, now, shared.clientId,
          ],
        );
        await q('raw-items', 'INSERT INTO shipment_items (shipment_id, line_id, quantity) SELECT v.s, v.l, 1 FROM unnest($1::text[], $2::int[]) AS v(s, l)', [
          ids,
          orders.map((o) => o.lineId),
        ]);
        await q(
          'raw-lines',
          `UPDATE order_lines SET fulfilled_quantity = v.f, status = v.s
            FROM unnest($1::int[], $2::int[], $3::text[]) AS v(id, f, s) WHERE order_lines.id = v.id`,
          [lines.map((l) => l[0]), lines.map((l) => l[1]), lines.map((l) => l[2])],
        );
        await q('raw-dos', 'UPDATE delivery_orders SET locked = 1, version = version + 1, updated_at = $1 WHERE id = ANY($2::text[])', [now, doIds]);
        await q('raw-orders', 'UPDATE orders SET locked = 1, version = version + 1, updated_at = $1 WHERE id = ANY($2::text[])', [now, orderIds]);
        await q(
          'raw-history',
          `INSERT INTO order_events (order_id, organization_id, client_id, request_id, action, changes, created_at, delivery_order_id)
            SELECT v.o, $4, $5, NULL, 'shipped', v.c, $6, v.d FROM unnest($1::text[], $2::text[], $3::text[]) AS v(o, c, d)`,
          [orderIds, changes, doIds, shared.organizationId, shared.clientId, now],
        );
        const types = ['shipment/created', 'delivery-order/updated', 'order/updated'];
        await q(
          'raw-outbox',
          `INSERT INTO outbox_events (organization_id, order_id, subject_id, type, payload, created_at)
            SELECT $1, v.o, v.s, v.t, 'null', $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS v(o, s, t)`,
          [
            shared.organizationId,
            types.flatMap(() => orderIds),
            [...ids, ...orderIds, ...orderIds],
            types.flatMap((t) => orderIds.map(() => t)),
            now,
          ],
        );
        const t = performance.now();
        await client.query('COMMIT');
        statementMs.commit = (statementMs.commit ?? 0) + performance.now() - t;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      }
    },
    close: () => client.end(),
  };
}
