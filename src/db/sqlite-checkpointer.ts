/**
 * Moves SQLite's WAL checkpoints off the request path: a worker thread with its own connection checkpoints every
 * few hundred milliseconds, so requests don't pay for copying pages back into the database file. The main
 * connection keeps a large auto-checkpoint threshold as a safety net should the thread ever stop.
 *
 * Under load the WAL file keeps its size (up to the main connection's `journal_size_limit`): a writer that restarts
 * it overwrites pages the file already has, which costs less than growing it again. Once the database has been
 * quiet for `quietMs` with every frame copied back, the thread truncates the file to zero bytes.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const quietTicks = Math.ceil(workerData.quietMs / workerData.intervalMs);
let lastLog = 0;
let quiet = 0;
const timer = setInterval(() => {
  try {
    const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
    // The same frame count twice in a row, all copied back: nothing was written in between.
    quiet = log > 0 && checkpointed === log && log === lastLog ? quiet + 1 : 0;
    lastLog = log;
    if (quiet >= quietTicks) {
      db.pragma('wal_checkpoint(TRUNCATE)');
      quiet = 0;
      lastLog = 0;
    }
  } catch { /* busy: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  intervalMs?: number;
  /** How long the WAL must have had no new frame, all of them copied back, before its file is truncated. */
  quietMs?: number;
}

export function startCheckpointer(file: string, { intervalMs = 250, quietMs = 10_000 }: CheckpointerOptions = {}): Checkpointer {
  const worker = new Worker(THREAD, {
    eval: true,
    workerData: { module: require.resolve('better-sqlite3'), file, intervalMs, quietMs },
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
