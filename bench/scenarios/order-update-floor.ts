/**
 * The SQLite floor under scenario orderUpdate: the same DRAFT updates of the same orders, measured in the same
 * rounds against the bare server, answered by bench/lib/raw-draft-server.js, which runs the SQLite statements of
 * one DRAFT change (locked read, UPDATE, history row, webhook lookup, request row, event-feed row; one COMMIT per
 * event-loop turn) behind the bare node:http handling and nothing else. Its ratio is the most a DRAFT update can
 * reach on this machine with today's writes; orderUpdate's CPU a request over this one's is what Ordergraph's own
 * layers cost. (PostgreSQL's floor is order-update-raw.ts.)
 */
import os from 'node:os';
import path from 'node:path';
import { startRawDraft } from '../lib/processes.ts';
import { draftUpdates } from './order-update-draft.ts';
import { httpRow, type BenchServer, type ResultRow, type ScenarioEnv } from './types.ts';

export async function sqliteFloorRow(env: ScenarioEnv, server: BenchServer, orders: string[]): Promise<ResultRow> {
  const copy = path.join(os.tmpdir(), `ordergraph-bench-floor-${process.pid}.sqlite`);
  const raw = await startRawDraft(path.join(server.db.dataDir, 'ordergraph.sqlite'), copy);
  try {
    const measured = await env.compare({ origin: raw.origin, pid: raw.child.pid }, (phase) => draftUpdates('floor', orders, `floor ${phase}`));
    const title = 'the floor: orderUpdate DRAFT\'s SQLite statements behind the bare server (bench/lib/raw-draft-server.js)';
    return httpRow({ id: 'orderUpdate floor', title, goal: undefined }, env.dbKind, measured, { details: { orders: orders.length } });
  } finally {
    await raw.child.stop();
  }
}
