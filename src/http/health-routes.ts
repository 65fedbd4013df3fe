/** Liveness and readiness (the metrics are `src/metrics/`). */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { migrationsApplied } from '../db/migrate.ts';

export async function healthRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    try {
      await sql`select 1`.execute(opts.db.kysely);
      if (!(await migrationsApplied(opts.db))) return reply.code(503).send({ status: 'migrations pending' });
      // Reads still work on a full disk: a recent write that failed for lack of storage says more.
      const code = opts.db.writeHealth.recentFailure();
      if (code) return reply.code(503).send({ status: 'database cannot write', code });
      return { status: 'ready' };
    } catch (err) {
      request.log.error({ err }, 'readyz: the database is unreachable');
      return reply.code(503).send({ status: 'database unreachable' });
    }
  });
}
