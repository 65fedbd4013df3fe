/**
 * The floor under scenario orderUpdate on SQLite: the same DRAFT updates, measured in the same rounds against the
 * bare server, answered by bench/lib/raw-draft-server.js, which runs the SQLite statements of one DRAFT change
 * (locked read, UPDATE, history row, webhook lookup, request row, event-feed row; one COMMIT per event-loop turn)
 * behind the bare node:http handling and nothing else. Its ratio is the most a DRAFT update can reach on this
 * machine with today's writes; orderUpdate's ratio over this one is the share Ordergraph's own layers leave.
 */
import os from 'node:os';
import path from 'node:path';
import { createOrders } from '../lib/ordergraph-client.ts';
import { startRawDraft } from '../lib/processes.ts';
import { DRAFT_ORDERS, draftUpdates } from './order-update-draft.ts';
import { httpRow, type Scenario } from './types.ts';

export const orderUpdateFloor: Scenario = {
  id: 'orderUpdateFloor',
  title: 'floor of orderUpdate DRAFT: its SQLite statements behind the bare server',
  databases: ['sqlite'],
  async run(env) {
    const server = await env.server();
    const orders = await createOrders(server.origin, server.merchantToken, DRAFT_ORDERS, 'DRAFT');
    const copy = path.join(os.tmpdir(), `ordergraph-bench-floor-${process.pid}.sqlite`);
    const raw = await startRawDraft(path.join(server.db.dataDir, 'ordergraph.sqlite'), copy);
    try {
      const target = { origin: raw.origin, pid: raw.child.pid };
      const measured = await env.compare(target, (phase) => draftUpdates('floor', orders, `floor ${phase}`));
      return [httpRow(this, env.dbKind, measured, { details: { orders: orders.length } })];
    } finally {
      await raw.child.stop();
    }
  },
};
