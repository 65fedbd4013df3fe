/**
 * Hears other processes' job notifications (notify-jobs.ts): on PostgreSQL a dedicated client LISTENs on
 * `ordergraph_jobs` with the pool's settings, reconnecting after a second when it drops (until then workers still
 * wake on their fallback timer). On SQLite there is nothing to hear.
 */
import pg from 'pg';
import type { Db } from '../database.ts';
import { JOBS_CHANNEL } from './notify-jobs.ts';

export interface JobListener {
  stop(): Promise<void>;
}

export async function listenForJobs(db: Db, onNotify: () => void): Promise<JobListener> {
  if (db.kind !== 'postgres' || !db.pool) return { stop: async () => {} };
  const options = (db.pool as unknown as { options: pg.ClientConfig }).options;
  let client: pg.Client | undefined;
  let stopped = false;
  const reconnect = (): void => {
    client = undefined;
    if (!stopped) setTimeout(() => connect().catch(reconnect), 1000).unref();
  };
  const connect = async (): Promise<void> => {
    const c = new pg.Client(options);
    c.on('notification', onNotify);
    c.on('error', reconnect);
    await c.connect();
    await c.query(`LISTEN ${JOBS_CHANNEL}`);
    client = c;
  };
  await connect();
  return {
    stop: async () => {
      stopped = true;
      await client?.end().catch(() => {});
    },
  };
}
