// The floor of a DRAFT `orderUpdate` on SQLite: the bare server's node:http handling (bare-server.js) plus the
// SQLite statements one DRAFT change runs in Ordergraph, issued straight to better-sqlite3 with the same pragmas
// and the same group commit (every change that arrived in one turn of the event loop shares a BEGIN IMMEDIATE …
// COMMIT). No token check, GraphQL, validation, logging or metrics: what is left is HTTP and the database work,
// the least any server can spend on the change. Plain JavaScript, like the bare server.
//
// DB_FILE: an Ordergraph database with DRAFT orders (the bench's shared server's); it is copied (VACUUM INTO)
// to COPY_FILE first, so this process writes only its own file.
import fs from 'node:fs';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';

const port = Number(process.env.PORT);
const host = process.env.HOST || '127.0.0.1';
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
  group.forEach((g, i) => {
    g.res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(bodies[i]) });
    g.res.end(bodies[i]);
  });
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8')).variables.input;
    if (waiting.push({ input, res }) === 1) setImmediate(flush);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => process.stdout.write(`raw DRAFT server listening on http://${host}:${port}\n`));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () =>
    server
      .close(() => {
        db.close();
        fs.rmSync(copy, { force: true });
        fs.rmSync(`${copy}-wal`, { force: true });
        fs.rmSync(`${copy}-shm`, { force: true });
        process.exit(0);
      })
      .closeAllConnections(),
  );
}
