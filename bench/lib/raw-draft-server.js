// The floor of a DRAFT `orderUpdate` on SQLite: the bare server's node:http handling (bare-server.js) plus the
// SQLite statements one DRAFT change runs in Ordergraph, issued straight to better-sqlite3 with the same pragmas
// and the same group commit (every change that arrived in one turn of the event loop shares a BEGIN IMMEDIATE …
// COMMIT). No token check, GraphQL, validation, logging or metrics: what is left is HTTP and the database work,
// the least any server can spend on the change. Plain JavaScript, like the bare server.
//
// DB_FILE: an Ordergraph database with DRAFT orders (the bench's shared server's); it is copied (VACUUM INTO)
// to COPY_FILE first, so this process writes only its own file.
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { sendJson, serveBare } from './bare-http.js';

const copy = process.env.COPY_FILE;
fs.rmSync(copy, { force: true });
new Database(process.env.DB_FILE, { readonly: true }).exec(`VACUUM INTO '${copy.replaceAll("'", "''")}'`);
const db = new Database(copy);
// As src/db/database.ts opens it.
for (const p of ['journal_mode = WAL', 'synchronous = NORMAL', 'foreign_keys = ON', 'busy_timeout = 5000', 'cache_size = -65536', 'temp_store = MEMORY']) {
  db.pragma(p);
}

// The statements of one DRAFT change, as Ordergraph's compiled queries and prebuilt inserts spell them.
const begin = db.prepare('begin immediate');
const commit = db.prepare('commit');
const lockOrder = db.prepare('select * from "orders" where "id" = ?');
const updateOrder = db.prepare('update "orders" set "comment" = ?, "version" = ?, "updated_at" = ? where "id" = ? and "version" = ?');
const insertHistory = db.prepare(
  'INSERT INTO order_events (order_id, organization_id, client_id, request_id, action, changes, created_at, delivery_order_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
);
const webhooksOf = db.prepare('select "id", "organization_id", "events" from "webhooks" where "organization_id" = ? and "enabled" = ?');
const insertRequest = db.prepare(
  'insert into "dispatchable_requests" ("id", "organization_id", "order_id", "type", "state", "message", "payload", "client_id", "request_id", "created_at", "completed_at") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
const insertEvent = db.prepare('INSERT INTO outbox_events (organization_id, order_id, subject_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)');

/** A UUIDv7-like id as src/db/row-ids.ts makes them: time first, so new rows land at the end of the index. */
function timeOrderedId() {
  const ms = Date.now().toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${randomUUID().slice(15)}`;
}

/** One change: the statements, in Ordergraph's order; returns the response body. */
function change({ id, comment }, requestId) {
  const row = lockOrder.get(id);
  if (!row || row.state !== 'DRAFT') return JSON.stringify({ errors: [{ message: `order ${id} is not a DRAFT order` }] });
  const now = new Date().toISOString();
  updateOrder.run(comment, row.version + 1, now, id, row.version);
  const changes = JSON.stringify({ comment: { from: row.comment, to: comment } });
  insertHistory.run(id, row.organization_id, 'raw', requestId, 'updated', changes, now, null);
  webhooksOf.all(row.organization_id, 1);
  const requestRowId = timeOrderedId();
  insertRequest.run(requestRowId, row.organization_id, id, 'ORDER_UPDATE', 'ACCEPTED', 'Order updated successfully', 'null', 'raw', requestId, now, now);
  insertEvent.run(row.organization_id, id, id, 'order/updated', 'null', now);
  return JSON.stringify({ data: { orderUpdate: { id: requestRowId, state: 'ACCEPTED' } } });
}

let waiting = [];
let requests = 0;
function flush() {
  const group = waiting;
  waiting = [];
  let bodies;
  try {
    begin.run();
    bodies = group.map((g) => change(g.input, `raw-${requests++}`));
    commit.run();
  } catch (e) {
    if (db.inTransaction) db.exec('rollback');
    bodies = group.map(() => JSON.stringify({ errors: [{ message: String(e) }] }));
  }
  group.forEach((g, i) => sendJson(g.res, 200, bodies[i]));
}

serveBare(
  'raw DRAFT server',
  (text, res) => {
    const { input } = JSON.parse(text).variables;
    if (waiting.push({ input, res }) === 1) setImmediate(flush);
  },
  () => {
    db.close();
    for (const f of [copy, `${copy}-wal`, `${copy}-shm`]) fs.rmSync(f, { force: true });
  },
);
