/**
 * Grows an organization to N orders fast, for the scale bench: an import that writes what `orderCreate` and the
 * opening write for a one-line order (the order row, its line and, once opened, its one delivery order with the
 * order's number, as the fulfiller's `core.orders` reads it; not the history rows, which no list reads),
 * straight into the database beside a running server. Through the API the same million orders would take most of an hour on
 * this shared machine; the lists measured afterwards go through the server as usual.
 *
 * Order i (1-based, in import order) is deterministic, with a mature merchant's spread: 10 % DRAFT, 20 % OPENED
 * (status 1, 512 or 4), 70 % COMPLETED (64, or 128 for one in fifty: cancelled); priority 5 % HIGH, 15 % LOW;
 * external reference `SCALE-<i>`; created (and updated) at `start + i × STEP_MS`, so later imports are newer.
 * A delivery order's state follows its status as migration 006 derived it (0/1/512 PENDING, 64/128 COMPLETED).
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MAX_NUMBER_SQLITE } from '../../src/db/sql/next-order-numbers.ts';

export const STEP_MS = 30_000;

export interface ImportTarget {
  kind: 'sqlite' | 'postgres';
  dataDir: string;
  databaseUrl?: string;
  merchantOrgId: string;
  supplierOrgId: string;
  /** One digit that keeps the ids of two imports into one database apart. */
  idTag: number;
  /** Time of order 0; order i is created at start + i × STEP_MS. */
  startMs: number;
}

/** created_at of order i, as the server writes it. */
export function importedAt(t: ImportTarget, i: number): string {
  return new Date(t.startMs + i * STEP_MS).toISOString();
}

function orderOf(t: ImportTarget, i: number) {
  const m = i % 10;
  const state = m === 0 ? 'DRAFT' : m < 3 ? 'OPENED' : 'COMPLETED';
  const status = state === 'DRAFT' ? 0 : state === 'OPENED' ? [1, 512, 4][i % 3] : i % 50 === 7 ? 128 : 64;
  const p = Math.floor(i / 10) % 20; // independent of the state, which follows i % 10
  return {
    id: `00000000-5ca1-7000-800${t.idTag}-${String(i).padStart(12, '0')}`,
    deliveryOrderId: `00000000-5ca1-7000-900${t.idTag}-${String(i).padStart(12, '0')}`,
    deliveryState: state === 'COMPLETED' ? 'COMPLETED' : status === 4 ? 'OPENED' : 'PENDING',
    state,
    status,
    supplier: state === 'DRAFT' ? null : t.supplierOrgId,
    priority: p === 0 ? 'HIGH' : p < 4 ? 'LOW' : 'NORMAL',
    ref: `SCALE-${i}`,
    at: importedAt(t, i),
  };
}

/** Imports orders `from` to `to` (inclusive), reporting progress every 100,000. */
export async function importOrders(t: ImportTarget, from: number, to: number, log: (m: string) => void): Promise<void> {
  if (t.kind === 'sqlite') await importSqlite(t, from, to, log);
  else await importPostgres(t, from, to, log);
}

async function importSqlite(t: ImportTarget, from: number, to: number, log: (m: string) => void): Promise<void> {
  const db = new Database(path.join(t.dataDir, 'ordergraph.sqlite'));
  try {
    db.pragma('busy_timeout = 10000');
    const insertOrder = db.prepare(`INSERT INTO orders (id, number, organization_id, supplier_id, external_reference, state, status,
      type, dispatching_type, priority, inventory_policy, total, total_tax_inclusive, total_shipping, currency, locked, version, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'B2C', 'AUTOMATIC', ?, 'DENY', 39.8, 47.76, 4.9, 'EUR', ?, 1, ?, ?)`);
    const insertDeliveryOrder = db.prepare(`INSERT INTO delivery_orders (id, number, order_id, organization_id, supplier_id, state, status,
      locked, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`);
    const insertLine = db.prepare(`INSERT INTO order_lines (order_id, organization_id, position, sku, label, quantity, price, vat_rate, status,
      delivery_order_id, supplier_id) VALUES (?, ?, 0, 'TSHIRT-BLK-M', 'T-shirt black M', 2, 19.9, 20, ?, ?, ?)`);
    let number = (db.prepare(`SELECT ${MAX_NUMBER_SQLITE} AS n`).get() as { n: number }).n;
    const chunk = db.transaction((a: number, b: number) => {
      for (let i = a; i <= b; i++) {
        const o = orderOf(t, i);
        const locked = o.status === 4 ? 1 : 0;
        insertOrder.run(o.id, ++number, t.merchantOrgId, o.supplier, o.ref, o.state, o.status, o.priority, locked, o.at, o.at);
        if (o.supplier) insertDeliveryOrder.run(o.deliveryOrderId, number, o.id, t.merchantOrgId, o.supplier, o.deliveryState, o.status, locked, o.at, o.at);
        const lineStatus = o.state === 'COMPLETED' ? (o.status === 128 ? 'CANCELED' : 'FULFILLED') : 'PENDING';
        insertLine.run(o.id, t.merchantOrgId, lineStatus, o.supplier ? o.deliveryOrderId : null, o.supplier);
      }
    });
    for (let a = from; a <= to; a += 20_000) {
      const b = Math.min(to, a + 19_999);
      chunk(a, b);
      // better-sqlite3 is synchronous: let the event loop breathe, or pooled HTTP connections go stale unnoticed.
      await new Promise((resolve) => setImmediate(resolve));
      if ((b - from + 1) % 100_000 === 0 || b === to) log(`    imported ${b - from + 1} of ${to - from + 1}`);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

async function importPostgres(t: ImportTarget, from: number, to: number, log: (m: string) => void): Promise<void> {
  const c = new pg.Client({ connectionString: t.databaseUrl });
  await c.connect();
  try {
    for (let a = from; a <= to; a += 100_000) {
      const b = Math.min(to, a + 99_999);
      // The same rows as orderOf, computed in SQL (number is the serial's, as orderCreate's).
      await c.query(
        `WITH o AS (
          INSERT INTO orders (id, organization_id, supplier_id, external_reference, state, status, type, dispatching_type, priority,
            inventory_policy, total, total_tax_inclusive, total_shipping, currency, locked, version, created_at, updated_at)
          SELECT '00000000-5ca1-7000-800' || $7::int || '-' || lpad(i::text, 12, '0'), $3,
            CASE WHEN i % 10 = 0 THEN NULL ELSE $4 END, 'SCALE-' || i,
            CASE WHEN i % 10 = 0 THEN 'DRAFT' WHEN i % 10 < 3 THEN 'OPENED' ELSE 'COMPLETED' END,
            CASE WHEN i % 10 = 0 THEN 0 WHEN i % 10 < 3 THEN (ARRAY[1, 512, 4])[i % 3 + 1] WHEN i % 50 = 7 THEN 128 ELSE 64 END,
            'B2C', 'AUTOMATIC',
            CASE WHEN (i / 10) % 20 = 0 THEN 'HIGH' WHEN (i / 10) % 20 < 4 THEN 'LOW' ELSE 'NORMAL' END,
            'DENY', 39.8, 47.76, 4.9, 'EUR', CASE WHEN i % 10 IN (1, 2) AND i % 3 = 2 THEN 1 ELSE 0 END, 1, ts, ts
          FROM generate_series($1::int, $2::int) AS i,
            LATERAL (SELECT to_char(to_timestamp(($5::bigint + i::bigint * $6) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts) AS t
          RETURNING id, number, supplier_id, state, status, locked, created_at),
        d AS (
          INSERT INTO delivery_orders (id, number, order_id, organization_id, supplier_id, state, status, locked, version, created_at, updated_at)
          SELECT '00000000-5ca1-7000-900' || $7::int || substr(id, 24), number, id, $3, supplier_id,
            CASE WHEN state = 'COMPLETED' THEN 'COMPLETED' WHEN status = 4 THEN 'OPENED' ELSE 'PENDING' END,
            status, locked, 1, created_at, created_at
          FROM o WHERE supplier_id IS NOT NULL)
        INSERT INTO order_lines (order_id, organization_id, position, sku, label, quantity, price, vat_rate, status, delivery_order_id, supplier_id)
        SELECT id, $3, 0, 'TSHIRT-BLK-M', 'T-shirt black M', 2, 19.9, 20,
          CASE WHEN state <> 'COMPLETED' THEN 'PENDING' WHEN status = 128 THEN 'CANCELED' ELSE 'FULFILLED' END,
          CASE WHEN supplier_id IS NULL THEN NULL ELSE '00000000-5ca1-7000-900' || $7::int || substr(id, 24) END, supplier_id FROM o`,
        [a, b, t.merchantOrgId, t.supplierOrgId, t.startMs, STEP_MS, t.idTag],
      );
      log(`    imported ${b - from + 1} of ${to - from + 1}`);
    }
    // What autovacuum does shortly after such an import (since PostgreSQL 13 inserts trigger it too): the planner
    // needs the new statistics, and index-only scans (a capped totalCount) need the visibility map. Without the
    // VACUUM, the timing raced autovacuum: `status: 128` with totalCount measured 0.9–1.6x in three runs.
    await c.query('VACUUM (ANALYZE) orders, order_lines, delivery_orders');
  } finally {
    await c.end();
  }
}
