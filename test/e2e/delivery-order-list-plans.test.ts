/**
 * Flat fulfiller lists (SPEC §11, #17): every shape of `core.orders` (db/sql/list-delivery-orders.ts) is
 * EXPLAINed on the database under test, and its rows compared with the plain query's. A plan fails when it scans
 * `delivery_orders`, reads it through an index that does not start with the shape's key (supplier, number, or
 * updated_at), or sorts a supplier's matching rows when the index could have given them in order (only the
 * `updated_since` range is sorted, by design). Speed itself is measured by `npm run bench -- --scale N`.
 *
 * No server: the queries are built as listFulfillerOrders builds them, on a freshly migrated database holding
 * 20,000 delivery orders (ANALYZEd on PostgreSQL, whose session is also told to avoid scans and bitmaps, so the
 * plan shows what the indexes can serve).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type CompiledQuery } from 'kysely';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { deliveryOrderListQuery, listDeliveryOrderRows, type DeliveryOrderListArgs } from '../../src/db/sql/list-delivery-orders.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

const ORGS = ['m1', 'm2', 'm3', 's1', 's2'];
const COUNT = 20_000;
const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();

/** Delivery order i: merchants m1–m3 (m3 not on the tokens below), suppliers s1, s2 and m1 itself, a spread of statuses. */
async function seed(db: Db): Promise<void> {
  for (const id of ORGS) await sql`INSERT INTO organizations (id, name, kind, created_at) VALUES (${id}, ${id}, 'MERCHANT', ${at(0)})`.execute(db.kysely);
  await sql`INSERT INTO orders (id, number, organization_id, state, status, locked, version, created_at, updated_at)
    VALUES ('o', 100000, 'm1', 'OPENED', 1, 0, 1, ${at(0)}, ${at(0)})`.execute(db.kysely);
  const rows = Array.from({ length: COUNT }, (_, n) => {
    const i = n + 1;
    return {
      id: `d-${i}`,
      number: i,
      order_id: 'o',
      organization_id: ORGS[i % 3],
      supplier_id: ['s1', 's1', 's2', 'm1'][i % 4],
      state: 'OPENED' as const,
      status: [1, 1, 2, 4, 8, 64, 64, 64, 128][i % 9],
      locked: 0,
      version: 1,
      created_at: at(i),
      // Updates out of number order, as a supplier works through its queue.
      updated_at: at((i * 7919) % COUNT),
    };
  });
  for (let i = 0; i < rows.length; i += 500) await db.kysely.insertInto('delivery_orders').values(rows.slice(i, i + 500)).execute();
  if (db.kind === 'postgres') await sql`ANALYZE delivery_orders`.execute(db.kysely);
}

const TOKENS = [['s1', 'm1', 'm2'], ['s1', 'm1'], ['s2', 'm1', 'm2', 'm3']];
const SHAPES: Omit<DeliveryOrderListArgs, 'organizationIds'>[] = [
  { limit: 50 },
  { limit: 50, afterId: 12_345 },
  { limit: 50, status: [1] },
  { limit: 50, status: [64, 1, 1], afterId: 7_000 },
  // More organizations × statuses than arms: each supplier walked by number, the statuses checked.
  { limit: 50, status: [0, 1, 2, 4, 8, 16, 32, 64, 128] },
  { limit: 50, updatedSince: at(COUNT - 300) },
  { limit: 50, updatedSince: at(COUNT - 300), status: [64], afterId: 100 },
  { limit: 50, ids: [3, 4, 5, 9_999, 19_999, 40_000] },
  { limit: 2, ids: Array.from({ length: 60 }, (_, i) => i + 1), status: [1, 64] },
];

/** A plan as a tree: each node's text and children (SQLite's rows by parent; PostgreSQL's JSON plan). */
interface PlanNode {
  text: string;
  children: PlanNode[];
}

describe('core.orders (delivery order list) query plans and rows', () => {
  let testDb: TestDatabase;
  let db: Db;
  let dataDir: string;

  before(async () => {
    testDb = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-do-plans-'));
    db = openDatabase({ databaseUrl: testDb.url, dataDir });
    await migrateToLatest(db);
    await seed(db);
  });
  after(async () => {
    await db?.close();
    await testDb?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function plan(compiled: CompiledQuery<unknown>): Promise<PlanNode> {
    return db.kysely.connection().execute(async (conn) => {
      if (db.kind === 'postgres') {
        await sql`SET enable_seqscan = off; SET enable_bitmapscan = off`.execute(conn);
        const { rows } = await conn.executeQuery<{ 'QUERY PLAN': [{ Plan: any }] }>({ ...compiled, sql: `EXPLAIN (FORMAT JSON) ${compiled.sql}` });
        const node = (p: any): PlanNode => ({
          text: [p['Node Type'], p['Relation Name'] && `on ${p['Relation Name']}`, p['Index Name'] && `using ${p['Index Name']}`, p['Index Cond']]
            .filter(Boolean)
            .join(' '),
          children: (p.Plans ?? []).map(node),
        });
        return node(rows[0]['QUERY PLAN'][0].Plan);
      }
      const { rows } = await conn.executeQuery<{ id: number; parent: number; detail: string }>({ ...compiled, sql: `EXPLAIN QUERY PLAN ${compiled.sql}` });
      const node = (id: number, text: string): PlanNode => ({ text, children: rows.filter((r) => r.parent === id).map((r) => node(r.id, r.detail)) });
      return node(0, 'QUERY');
    });
  }

  function problems(root: PlanNode, shape: Omit<DeliveryOrderListArgs, 'organizationIds'>): string[] {
    const pg = db.kind === 'postgres';
    const found: string[] = [];
    const key = shape.ids ? 'number' : shape.updatedSince ? 'updated_at' : 'supplier_id';
    const isScan = (t: string) => (pg ? / on delivery_orders/.test(t) : /^(SCAN|SEARCH) delivery_orders\b/.test(t));
    const isSort = (t: string) => (pg ? /^(Sort|Incremental Sort)\b/.test(t) : /USE TEMP B-TREE FOR ORDER BY/.test(t));
    const walk = (n: PlanNode, sorted: boolean): void => {
      if (isScan(n.text)) {
        const served = pg ? new RegExp(`Index.* Scan .*\\(${key} [=>]`).test(n.text) : new RegExp(`^SEARCH .*USING .*INDEX .*[( ]${key}[=>]`).test(n.text);
        if (!served) found.push(`delivery_orders not read by ${key}: ${n.text}`);
        if (sorted && !shape.updatedSince && !shape.ids) found.push(`a supplier's matching rows are sorted: ${n.text}`);
      }
      // PostgreSQL shows a sort above what it sorts (a Limit in between means it orders a page's rows only);
      // SQLite beside it (a sort beside a subquery's scan orders that subquery's page).
      const sortsChildren = pg ? (sorted || isSort(n.text)) && !/^Limit/.test(n.text) : n.children.some((c) => isSort(c.text));
      for (const c of n.children) walk(c, sortsChildren);
    };
    walk(root, false);
    return found;
  }

  it('every shape reads delivery orders through its index in order, and lists what the plain query lists', async () => {
    const failures: string[] = [];
    for (const organizationIds of TOKENS) {
      for (const shape of SHAPES) {
        const args = { ...shape, organizationIds };
        const root = await plan(deliveryOrderListQuery(db, args));
        const bad = problems(root, shape);
        const show = (n: PlanNode, depth = 0): string[] => [`${'  '.repeat(depth)}${n.text}`, ...n.children.flatMap((c) => show(c, depth + 1))];
        if (bad.length) failures.push(`${JSON.stringify(args)}: ${bad.join('; ')}\n    ${show(root).join('\n    ')}`);

        let plain = db.kysely
          .selectFrom('delivery_orders')
          .select('number')
          .where('organization_id', 'in', organizationIds)
          .where('supplier_id', 'in', organizationIds);
        if (shape.ids) plain = plain.where('number', 'in', shape.ids);
        if (shape.status) plain = plain.where('status', 'in', shape.status);
        if (shape.updatedSince) plain = plain.where('updated_at', '>=', shape.updatedSince);
        if (shape.afterId != null) plain = plain.where('number', '>', shape.afterId);
        const expected = (await plain.orderBy('number').limit(shape.limit).execute()).map((r) => r.number);
        const listed = (await listDeliveryOrderRows(db, args)).map((r) => r.number);
        assert.ok(expected.length > 0, `the seed has rows for ${JSON.stringify(args)}`);
        assert.deepEqual(listed, expected, JSON.stringify(args));
      }
    }
    assert.deepEqual(failures, [], `query plans that read more than a page:\n${failures.join('\n')}`);
  });
});
