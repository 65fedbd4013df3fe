/** Liveness, readiness and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import client from 'prom-client';
import type { Db } from '../db/database.ts';
import { migrationsApplied } from '../db/migrate.ts';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

export const httpRequests = new client.Counter({
  name: 'ordergraph_http_requests_total',
  help: 'HTTP requests by route and status code',
  labelNames: ['route', 'status'] as const,
  registers: [registry],
});

export const jobsProcessed = new client.Counter({
  name: 'ordergraph_jobs_total',
  help: 'Background jobs run, by kind and outcome',
  labelNames: ['kind', 'outcome'] as const,
  registers: [registry],
});

export async function healthRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    try {
      await sql`select 1`.execute(opts.db.kysely);
      if (!(await migrationsApplied(opts.db))) return reply.code(503).send({ status: 'migrations pending' });
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'database unreachable' });
    }
  });

  app.get('/metrics', async (_request, reply) => {
    return reply.header('Content-Type', registry.contentType).send(await registry.metrics());
  });

  // Callback-style hooks where nothing is awaited: an async hook costs a promise on every request.
  app.addHook('onResponse', (request, reply, done) => {
    httpRequests.inc({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
    done();
  });
}
