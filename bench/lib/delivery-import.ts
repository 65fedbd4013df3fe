/**
 * For the scale bench's `webhookDeliveries`: a paused webhook of the imported merchant with N delivery attempts
 * in its log, written straight into the database as the worker writes them (webhooks/webhook-deliveries.ts,
 * recordAttempt), attempt i at the time of imported order i.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { importedAt, STEP_MS, type ImportTarget } from './order-import.ts';

const webhookIdOf = (t: ImportTarget) => `00000000-5ca1-7000-a00${t.idTag}-000000000000`;

/** Imports the webhook and `count` attempts; returns the webhook's id. */
export async function importDeliveries(t: ImportTarget, count: number): Promise<string> {
  const id = webhookIdOf(t);
  const at = importedAt(t, 0);
  const webhook = [id, t.merchantOrgId, 'https://receiver.invalid/hook', '[]', '{}', 'bench-secret', 0, 0, at, at];
  const insertWebhook = `INSERT INTO webhooks (id, organization_id, endpoint, events, headers, secret, enabled, consecutive_failures, created_at, updated_at)`;
  if (t.kind === 'sqlite') {
    const db = new Database(path.join(t.dataDir, 'ordergraph.sqlite'));
    try {
      db.pragma('busy_timeout = 10000');
      db.prepare(`${insertWebhook} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...webhook);
      const insert = db.prepare(`INSERT INTO webhook_deliveries (id, webhook_id, organization_id, event_id, job_id, attempt, status_code,
        duration_ms, error, success, created_at) VALUES (?, ?, ?, ?, ?, 1, 200, 12, NULL, 1, ?)`);
      const chunk = db.transaction((a: number, b: number) => {
        for (let i = a; i <= b; i++) insert.run(`00000000-5ca1-7000-b00${t.idTag}-${String(i).padStart(12, '0')}`, id, t.merchantOrgId, i, i, importedAt(t, i));
      });
      for (let a = 1; a <= count; a += 20_000) {
        chunk(a, Math.min(count, a + 19_999));
        await new Promise((resolve) => setImmediate(resolve)); // see order-import.ts
      }
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    return id;
  }
  const c = new pg.Client({ connectionString: t.databaseUrl });
  await c.connect();
  try {
    await c.query(`${insertWebhook} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, webhook);
    for (let a = 1; a <= count; a += 100_000) {
      await c.query(
        `INSERT INTO webhook_deliveries (id, webhook_id, organization_id, event_id, job_id, attempt, status_code, duration_ms, error, success, created_at)
         SELECT '00000000-5ca1-7000-b00' || $6::int || '-' || lpad(i::text, 12, '0'), $1, $2, i, i, 1, 200, 12, NULL, 1,
           to_char(to_timestamp(($4::bigint + i::bigint * $5) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
         FROM generate_series($3::int, $7::int) AS i`,
        [id, t.merchantOrgId, a, t.startMs, STEP_MS, t.idTag, Math.min(count, a + 99_999)],
      );
    }
    await c.query('VACUUM (ANALYZE) webhook_deliveries'); // as order-import.ts does, for the same reasons
  } finally {
    await c.end();
  }
  return id;
}
