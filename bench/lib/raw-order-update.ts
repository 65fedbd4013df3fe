/**
 * The raw floor of the `orderUpdate` scenario on PostgreSQL: the statements of one DRAFT change, as the server
 * issues them, sent by `clients` raw pipelined pg connections (each with one change in flight, like the HTTP
 * load's connections) over the same orders: no HTTP, GraphQL, token check or Kysely. Two shapes:
 *
 *  - `three` (the server's shape since session 8): [BEGIN + SELECT … FOR UPDATE] → [UPDATE + history + webhook
 *    lookup + request row] → [outbox + COMMIT];
 *  - `two`: [BEGIN + SELECT … FOR UPDATE + webhook lookup] → [UPDATE + history + request row + outbox + COMMIT];
 *  - `now` (the server's shape since session 9): as `two`, the UPDATE checked in SQL (`og_order_written`, migration
 *    030) and the three inserts as one WITH statement (src/db/pg-held-inserts.ts);
 *  - `cte`: as `two`, with the four writes as one statement (a data-modifying WITH).
 *
 * Statements are named (prepared once per connection) and one tick's writes leave in one writev, as in
 * src/db/pg-driver.ts. Reported per change: wall rate, this process's CPU (the client side) and the raw backends'
 * CPU (/proc), so the floor says where the time goes.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { processCpuMs } from './load.ts';
import { oneStatement } from '../../src/db/pg-held-inserts.ts';

/** The number of parameters of a statement: its highest `$n`. */
const params = (text: string) => Math.max(...Array.from(text.matchAll(/\$(\d+)/g), (m) => Number(m[1])));

export type RawShape = 'three' | 'two' | 'now' | 'cte';

export interface RawSlice {
  changes: number;
  ms: number;
  /** This process's CPU ms over the slice (the pg clients' side). */
  clientCpuMs: number;
  /** The raw connections' backends' CPU ms over the slice. */
  backendCpuMs: number | undefined;
}

export interface RawOrderUpdates {
  run(shape: RawShape, durationMs: number): Promise<RawSlice>;
  close(): Promise<void>;
}

const LOCK = 'select * from "orders" where "id" = $1 for update';
const WEBHOOKS = 'select "id", "organization_id", "events" from "webhooks" where "organization_id" = $1 and "enabled" = $2';
const WEBHOOKS_OF_ORDER =
  'select "id", "organization_id", "events" from "webhooks" where "organization_id" = (select "organization_id" from "orders" where "id" = $1) and "enabled" = 1';
const UPDATE = 'update "orders" set "comment" = $1, "version" = $2, "updated_at" = $3 where "id" = $4 and "version" = $5';
const HISTORY = `INSERT INTO order_events (order_id, organization_id, client_id, request_id, action, changes, created_at, delivery_order_id)
  SELECT v.order_id, v.organization_id, $5, $6, v.action, v.changes, $7, v.delivery_order_id
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $8::text[]) AS v(order_id, organization_id, action, changes, delivery_order_id)`;
const REQUEST =
  'insert into "dispatchable_requests" ("id", "organization_id", "order_id", "type", "state", "message", "payload", "client_id", "request_id", "created_at", "completed_at") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)';
const OUTBOX = 'INSERT INTO outbox_events (organization_id, order_id, subject_id, type, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6)';
const WRITES = `WITH u AS (update "orders" set "comment" = $1, "version" = $2, "updated_at" = $3 where "id" = $4 and "version" = $5 RETURNING id),
  h AS (INSERT INTO order_events (order_id, organization_id, client_id, request_id, action, changes, created_at, delivery_order_id)
    SELECT u.id, $6, $7, $8, 'updated', $9, $3, NULL FROM u),
  r AS (insert into "dispatchable_requests" ("id", "organization_id", "order_id", "type", "state", "message", "payload", "client_id", "request_id", "created_at", "completed_at")
    values ($10, $6, $4, 'ORDER_UPDATE', 'ACCEPTED', 'Order updated successfully', 'null', $7, $8, $3, $3)),
  o AS (INSERT INTO outbox_events (organization_id, order_id, subject_id, type, payload, created_at) VALUES ($6, $4, $4, 'order/updated', 'null', $3))
  SELECT count(*) AS n FROM u`;
const UPDATE_CHECKED = `with "u" as (${UPDATE} returning "id") select og_order_written(count(*), $6) as "written" from "u"`;
const INSERTS = oneStatement([HISTORY, REQUEST, OUTBOX].map((text) => ({ text, values: new Array(params(text)), done() {} }))).text;
const NAMES = new Map([LOCK, WEBHOOKS, WEBHOOKS_OF_ORDER, UPDATE, HISTORY, REQUEST, OUTBOX, WRITES, UPDATE_CHECKED, INSERTS].map((t, i) => [t, `raw${i}`]));

type Client = pg.Client & { connection: { stream: { cork(): void; uncork(): void } } };

class RawConnection {
  private corked = false;
  constructor(readonly client: Client) {}

  send(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
    if (!this.corked) {
      this.corked = true;
      this.client.connection.stream.cork();
      process.nextTick(() => {
        this.corked = false;
        this.client.connection.stream.uncork();
      });
    }
    return this.client.query({ text, values, name: NAMES.get(text) });
  }
}

export async function openRawOrderUpdates(
  databaseUrl: string,
  orderIds: string[],
  shared: { organizationId: string; clientId: string },
  clients: number,
): Promise<RawOrderUpdates> {
  const conns: RawConnection[] = [];
  const pids: number[] = [];
  for (let k = 0; k < clients; k++) {
    const client = new pg.Client({ connectionString: databaseUrl, pipeline: true } as pg.ClientConfig) as Client;
    await client.connect();
    conns.push(new RawConnection(client));
    pids.push((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
  }
  let seq = 0;
  const { organizationId, clientId } = shared;

  /** One DRAFT change of the next order, in the given shape. */
  async function change(c: RawConnection, shape: RawShape): Promise<void> {
    const i = seq++;
    const orderId = orderIds[i % orderIds.length];
    const comment = `raw ${i}`;
    c.send('BEGIN').catch(() => {});
    const locked = c.send(LOCK, [orderId]);
    const early = shape !== 'three' ? c.send(WEBHOOKS_OF_ORDER, [orderId]) : undefined;
    const row = (await locked).rows[0];
    await early;
    const now = new Date().toISOString();
    const changes = JSON.stringify({ comment: { from: row.comment, to: comment } });
    if (shape === 'now') {
      const requestId = randomUUID();
      const written = c.send(UPDATE_CHECKED, [comment, row.version + 1, now, orderId, row.version, orderId]);
      const inserted = c.send(INSERTS, [
        [orderId], [organizationId], ['updated'], [changes], clientId, requestId, now, [null],
        randomUUID(), organizationId, orderId, 'ORDER_UPDATE', 'ACCEPTED', 'Order updated successfully', 'null', clientId, requestId, now, now,
        organizationId, orderId, orderId, 'order/updated', 'null', now,
      ]);
      const committed = await c.send('COMMIT');
      await Promise.all([written, inserted]);
      if (committed.command !== 'COMMIT') throw new Error('raw change did not commit');
      return;
    }
    if (shape === 'cte') {
      const written = c.send(WRITES, [comment, row.version + 1, now, orderId, row.version, organizationId, clientId, randomUUID(), changes, randomUUID()]);
      const committed = await c.send('COMMIT');
      if ((await written).rows[0].n !== '1' || committed.command !== 'COMMIT') throw new Error('raw cte change did not commit');
      return;
    }
    const writes = [
      c.send(UPDATE, [comment, row.version + 1, now, orderId, row.version]),
      c.send(HISTORY, [[orderId], [organizationId], ['updated'], [changes], clientId, randomUUID(), now, [null]]),
    ];
    if (shape === 'three') writes.push(c.send(WEBHOOKS, [organizationId, 1]));
    writes.push(
      c.send(REQUEST, [randomUUID(), organizationId, orderId, 'ORDER_UPDATE', 'ACCEPTED', 'Order updated successfully', 'null', clientId, randomUUID(), now, now]),
    );
    if (shape === 'three') await Promise.all(writes);
    const outbox = c.send(OUTBOX, [organizationId, orderId, orderId, 'order/updated', 'null', now]);
    const commit = c.send('COMMIT');
    await Promise.all([...writes, outbox]);
    const done = await commit;
    if (done.command !== 'COMMIT') throw new Error(`raw change answered COMMIT with ${done.command}`);
  }

  const backendCpu = async () => {
    let sum = 0;
    for (const pid of pids) {
      const ms = await processCpuMs(pid);
      if (ms === undefined) return undefined;
      sum += ms;
    }
    return sum;
  };

  return {
    async run(shape, durationMs) {
      const pg0 = await backendCpu();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const end = t0 + durationMs;
      let changes = 0;
      await Promise.all(
        conns.map(async (c) => {
          while (performance.now() < end) {
            await change(c, shape);
            changes++;
          }
        }),
      );
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const pg1 = await backendCpu();
      return { changes, ms, clientCpuMs: (cpu.user + cpu.system) / 1000, backendCpuMs: pg0 !== undefined && pg1 !== undefined ? pg1 - pg0 : undefined };
    },
    async close() {
      await Promise.all(conns.map((c) => c.client.end().catch(() => {})));
    },
  };
}
