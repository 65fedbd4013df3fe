/**
 * Extra `ordergraph worker` processes on a test server's database with their own environment (e.g. a shorter
 * ORDERGRAPH_JOB_LEASE_MS than the server's), for tests that need workers configured unlike `startWorker()`'s.
 * The caller stops them (`stopWorkers`); children still alive when the test process exits are SIGKILLed anyway.
 */
import { OrdergraphProcess } from './ordergraph-process.ts';

export async function startWorkerProcess(
  server: { env: Readonly<Record<string, string>> },
  opts: { name?: string; env?: Record<string, string>; readyTimeoutMs?: number } = {},
): Promise<OrdergraphProcess> {
  const worker = new OrdergraphProcess(opts.name ?? 'extra worker', ['worker'], { ...server.env, ...opts.env });
  worker.spawn();
  await worker.waitUntil(() => /worker \S+ running/.test(worker.output()), opts.readyTimeoutMs ?? 60_000);
  return worker;
}

export async function stopWorkers(workers: readonly OrdergraphProcess[]): Promise<void> {
  await Promise.all(workers.map((w) => w.stop()));
}
