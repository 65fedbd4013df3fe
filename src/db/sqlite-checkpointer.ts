/**
 * Moves SQLite's WAL checkpoints off the request path: a worker thread with its own connection checkpoints every
 * few hundred milliseconds, so requests don't pay for copying pages back into the database file. The main
 * connection keeps a large auto-checkpoint threshold as a safety net should the thread ever stop.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, intervalMs = 250): Checkpointer {
  const worker = new Worker(THREAD, {
    eval: true,
    workerData: { module: require.resolve('better-sqlite3'), file, intervalMs },
  });
  worker.unref();
  worker.on('error', () => {}); // the main connection's auto-checkpoint still bounds the WAL
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        worker.ref(); // keep the process alive until the thread has closed its connection
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
        setTimeout(() => void worker.terminate().then(() => resolve()), 1000);
      }),
  };
}
