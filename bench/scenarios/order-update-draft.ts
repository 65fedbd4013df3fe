/**
 * Scenario 3: the single-change hot path. `orderUpdate(input: {id, comment})` on DRAFT orders, which is applied
 * at once (state ACCEPTED): token check, GraphQL, input validation, one transaction that loads and locks the
 * order, writes it, its history row, the ACCEPTED dispatchable request and the outbox rows. The comment differs
 * on every request so each one is a real change; requests are spread over DRAFT_ORDERS orders so that, on
 * PostgreSQL, row locks on one order do not serialise the run.
 */
import { createOrders } from '../lib/ordergraph-client.ts';
import type { LoadRequest } from '../lib/load.ts';
import { httpRow, type Scenario } from './types.ts';
import { sqliteFloorRow } from './order-update-floor.ts';
import { backendCpuDeltaMs } from '../lib/bench-database.ts';
import { rawOrderUpdateRows, walPerChange, walStats } from './order-update-raw.ts';

export const DRAFT_ORDERS = 64;
export const ORDER_UPDATE = 'mutation($input: OrderInput!) { orderUpdate(input: $input) { id state } }';

/** The load: DRAFT updates spread over `orders`, each setting a new comment (`label` keeps loads apart). */
export function draftUpdates(token: string, orders: string[], label: string) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  return {
    request: (i: number): LoadRequest => ({
      path: '/graphql',
      headers,
      body: JSON.stringify({ query: ORDER_UPDATE, variables: { input: { id: orders[i % orders.length], comment: `bench ${label} ${i}` } } }),
    }),
    check: (status: number, text: string) => status === 200 && text.includes('"state":"ACCEPTED"') && !text.includes('"errors"'),
  };
}

export const orderUpdateDraft: Scenario = {
  id: 'orderUpdate',
  title: 'orderUpdate on a DRAFT order (applied at once)',
  goal: { kind: 'ratio', min: 0.25 },
  // #17: 0.10 on PostgreSQL, whose backends share the machine's cores with the server and the load.
  goalFor: (db) => ({ kind: 'ratio', min: db === 'postgres' ? 0.1 : 0.25 }),
  databases: ['sqlite', 'postgres'],
  async run(env) {
    const server = await env.server();
    const orders = await createOrders(server.origin, server.merchantToken, DRAFT_ORDERS, 'DRAFT');
    // PostgreSQL: the backends' CPU and the WAL per change, warm-up included (counted from the history rows).
    const pg = server.db.kind === 'postgres';
    const updates = async () =>
      pg ? Number((await server.db.query<{ n: string }>("SELECT count(*) AS n FROM order_events WHERE action = 'updated'"))[0].n) : 0;
    const [pg0, wal0, n0] = [await server.db.backendCpu(), await walStats(server), await updates()];
    const measured = await env.compare(server, (phase) => draftUpdates(server.merchantToken, orders, phase));
    const [pg1, wal1, n1] = [await server.db.backendCpu(), await walStats(server), await updates()];
    const backendMs = backendCpuDeltaMs(pg0, pg1);
    const pgDetails = pg
      ? {
          changes: n1 - n0,
          pgBackendCpuUsPerChange: backendMs !== undefined ? Math.round((backendMs * 1000) / (n1 - n0)) : undefined,
          walPerChange: walPerChange(wal0, wal1, n1 - n0),
        }
      : {};
    const row = httpRow(this, env.dbKind, measured, { goal: this.goalFor!(env.dbKind), details: { orders: orders.length, ...pgDetails } });
    if (!pg) return [row, await sqliteFloorRow(env, server, orders)];
    if (pgDetails.pgBackendCpuUsPerChange !== undefined) row.notes.push(`PostgreSQL backend CPU a change: ${pgDetails.pgBackendCpuUsPerChange} µs`);
    return [row, ...(await rawOrderUpdateRows(env, server, orders))];
  },
};
