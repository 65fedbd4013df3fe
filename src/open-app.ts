/**
 * Opens Ordergraph's storage: the database with its migrations applied, and the services domain code needs. The
 * one-shot CLI commands stop here; `app.ts` builds the server and workers on top. Kept apart so those commands
 * don't load the HTTP and GraphQL stack.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { Services } from './context.ts';
import { openDatabase, type Db } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { JobSignal } from './jobs/job-signal.ts';
import type { Workers } from './jobs/workers.ts';

export interface App {
  config: Config;
  db: Db;
  services: Services;
  server?: FastifyInstance;
  workers?: Workers;
  close(): Promise<void>;
}

/** Opens the database and applies pending migrations. */
export async function openApp(config: Config, opts: { poolSize?: number; longRunning?: boolean } = {}): Promise<App & { signal: JobSignal }> {
  const db = openDatabase({ ...config, poolSize: opts.poolSize ?? config.dbPoolSize, checkpoints: opts.longRunning });
  try {
    await migrateToLatest(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  const signal = new JobSignal(db);
  const services: Services = {
    db,
    jobsQueued: () => signal.notify(),
    webhookAllowPrivate: config.webhookAllowPrivate,
    webhookRetry: { baseMs: config.webhookRetryBaseMs, windowMs: config.webhookRetryWindowMs },
  };
  return { config, db, services, signal, close: () => db.close() };
}

