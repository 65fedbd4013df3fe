/**
 * Flat lists (SPEC §11): every shape of the merchant dialect's `orders` list — each combination of the filters
 * the API allows, with and without a cursor — and its capped `totalCount` are EXPLAINed on the database under
 * test (SQLite, or PostgreSQL with TEST_DB=postgres). A full scan of `orders`, or a sort of a page's or a count's
 * rows (which reads every matching order before the first is returned), fails the test. Speed itself is measured by
 * `npm run bench -- --scale N`, never here.
 *
 * No server: the plans are those of the query builders listOrders runs (db/sql/list-orders.ts), on a freshly
 * migrated database. PostgreSQL's planner would pick a sequential scan for a table this small whatever the
 * indexes, so its session is told to avoid scans, bitmaps and sorts whenever it can: what remains is what no
 * index can serve.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type CompiledQuery } from 'kysely';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { orderCountQuery, orderPageQuery, type OrderListFilter } from '../../src/db/sql/list-orders.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

// `number` (the dashboard's search) is left out: it finds at most one row through the unique index on number.
type ApiFilter = Omit<OrderListFilter, 'number'>;
const FILTER_VALUES: Required<{ [K in keyof ApiFilter]: NonNullable<ApiFilter[K]> }> = {
  state: 'OPENED',
  status: 1,
  priority: 'HIGH',
  externalReference: 'REF-1',
  createdAfter: '2026-01-01T00:00:00.000Z',
  createdBefore: '2026-12-01T00:00:00.000Z',
};
const FILTERS = Object.keys(FILTER_VALUES) as (keyof ApiFilter)[];

/** Every subset of the filters (64). */
function everyFilter(): OrderListFilter[] {
  return Array.from({ length: 1 << FILTERS.length }, (_, mask) =>
    Object.fromEntries(FILTERS.filter((_, i) => mask & (1 << i)).map((k) => [k, FILTER_VALUES[k]])),
  );
}

const ORG = '00000000-0000-7000-8000-000000000001';

/**
 * PostgreSQL plans from statistics: 20,000 orders of one organization with a merchant's usual spread (most
 * orders completed, few of high priority), then ANALYZE. SQLite is told its index (db/sql/list-orders.ts).
 */
async function seedForStatistics(db: Db): Promise<void> {
  await sql`INSERT INTO organizations (id, name, kind, created_at) VALUES (${ORG}, 'plans', 'MERCHANT', '2026-01-01T00:00:00.000Z')`.execute(db.kysely);
  await sql`INSERT INTO orders (id, organization_id, external_reference, state, status, priority, locked, version, created_at, updated_at)
    SELECT 'o-' || i, ${ORG}, 'REF-' || i,
      CASE WHEN i % 10 = 0 THEN 'DRAFT' WHEN i % 10 < 3 THEN 'OPENED' ELSE 'COMPLETED' END,
      CASE WHEN i % 10 = 0 THEN 0 WHEN i % 10 < 3 THEN 1 ELSE 8 END,
      CASE WHEN i % 20 = 0 THEN 'HIGH' WHEN i % 20 < 4 THEN 'LOW' ELSE 'NORMAL' END,
      0, 1, to_char(timestamp '2026-01-01' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      to_char(timestamp '2026-01-01' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    FROM generate_series(1, 20000) AS i`.execute(db.kysely);
  await sql`ANALYZE orders`.execute(db.kysely);
}

describe('orders list query plans', () => {
  let testDb: TestDatabase;
  let db: Db;
  let dataDir: string;

  before(async () => {
    testDb = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-plans-'));
    db = openDatabase({ databaseUrl: testDb.url, dataDir });
    await migrateToLatest(db);
    if (db.kind === 'postgres') await seedForStatistics(db);
  });
  after(async () => {
    await db?.close();
    await testDb?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** The plan's lines, as one text per node. `avoidSort`: a query that needs no sort must not get one. */
  async function plan(compiled: CompiledQuery<unknown>, avoidSort: boolean): Promise<string[]> {
    return db.kysely.connection().execute(async (conn) => {
      if (db.kind === 'postgres') {
        await sql`SET enable_seqscan = off; SET enable_bitmapscan = off`.execute(conn);
        await sql.raw(`SET enable_sort = ${avoidSort ? 'off' : 'on'}`).execute(conn);
        const { rows } = await conn.executeQuery<{ 'QUERY PLAN': string }>({ ...compiled, sql: `EXPLAIN ${compiled.sql}` });
        return rows.map((r) => r['QUERY PLAN']);
      }
      const { rows } = await conn.executeQuery<{ detail: string }>({ ...compiled, sql: `EXPLAIN QUERY PLAN ${compiled.sql}` });
      return rows.map((r) => r.detail);
    });
  }

  /** Pages and capped counts alike walk the list's index in the page's order (newest first). */
  function problems(lines: string[], filter: OrderListFilter): string[] {
    const pg = db.kind === 'postgres';
    const fullScan = pg ? /Seq Scan on orders/ : /^SCAN orders\b/;
    // A page sorted after the fact has read every matching order first (fine for the one row a unique key finds).
    const sorted = pg ? /^\s*(->\s*)?Sort\b/ : /USE TEMP B-TREE FOR ORDER BY/;
    const oneRow = filter.externalReference !== undefined;
    const found = lines.filter((l) => fullScan.test(l) || (!oneRow && sorted.test(l)));
    // Unordered, the capped count let PostgreSQL scan a freshly imported million-order table (db/capped-count.ts).
    if (pg && !oneRow && !lines.some((l) => /Index (Only )?Scan Backward/.test(l))) found.push('not read newest first along an index');
    // An equality filter must be an index condition: walking the organization's orders and checking each row
    // reads more of them the rarer the filtered value is.
    const equalities = (['state', 'status', 'priority', 'externalReference'] as const).filter((k) => filter[k] !== undefined);
    const served = pg ? /Index Cond: .*\b(state|status|priority|external_reference) =/ : /^SEARCH orders .*\b(state|status|priority|external_reference)=\?/;
    if (equalities.length > 0 && !lines.some((l) => served.test(l))) found.push(`none of ${equalities.join(', ')} is an index condition`);
    return found;
  }

  it('no list or count of orders scans the organization or sorts its orders, for every filter combination', async () => {
    const failures: string[] = [];
    for (const filter of everyFilter()) {
      const base = { organizationIds: [ORG], filter };
      const shapes: [string, CompiledQuery<unknown>][] = [
        ['page', orderPageQuery(db, { ...base, limit: 21 })],
        ['next page', orderPageQuery(db, { ...base, limit: 21, after: { createdAt: '2026-06-01T00:00:00.000Z', id: 'x' } })],
        ['totalCount', orderCountQuery(db, base)],
      ];
      for (const [name, query] of shapes) {
        const lines = await plan(query, filter.externalReference === undefined);
        const bad = problems(lines, filter);
        if (bad.length) failures.push(`${name} ${JSON.stringify(filter)}: ${bad.join('; ')}\n    ${lines.join('\n    ')}`);
      }
    }
    assert.deepEqual(failures, [], `query plans that read every matching order:\n${failures.join('\n')}`);
  });
});
