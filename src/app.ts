/**
 * The composition root: the one module that knows every other. On top of `open-app.ts` (database, migrations,
 * services) it builds the HTTP server and the workers, and hands back what the CLI needs to run and stop them.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';
import type { Services } from './context.ts';
import { openApp, type App } from './open-app.ts';
import { TokenService } from './auth/token-service.ts';
import { oauthRoutes } from './auth/oauth-routes.ts';
import { meRoute } from './auth/me-route.ts';
import { healthRoutes } from './http/health-routes.ts';
import { mountMetrics } from './metrics/http-metrics.ts';
import { graphiqlRoutes } from './http/graphiql-routes.ts';
import { graphiqlTokenRoute } from './http/graphiql-token.ts';
import { mountGraphQL } from './http/graphql-endpoint.ts';
import { ordersResolvers } from './api/orders/resolvers.ts';
import { fulfillerResolvers } from './api/fulfiller/resolvers.ts';
import { startWorkers, type Workers } from './jobs/workers.ts';
import { idempotencyPlugin } from './http/idempotency.ts';
import { errorHandling } from './http/error-handling.ts';
import { LOG_REDACTION, withoutQuery } from './http/log-redaction.ts';
import { requestLoggerFactory } from './http/request-logger.ts';
import { parseRateLimit, RateLimiter } from './http/rate-limit.ts';
import type { JobHandler } from './jobs/run-job.ts';
import { applyRequestHandler } from './requests/apply-request.ts';
import { webhookDeliveryHandler } from './webhooks/webhook-delivery.ts';
import { dashboardPlugin } from './dashboard/dashboard-plugin.ts';
import { retentionHandler, scheduleRetention } from './retention/retention-job.ts';
import { sandboxStepHandler } from './sandbox/sandbox-steps.ts';

/** Every kind of background job, by the module that owns it. */
function jobHandlers(config: Config): JobHandler[] {
  return [applyRequestHandler, webhookDeliveryHandler, retentionHandler(config.retention), sandboxStepHandler];
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Builds and starts whatever `serve` or `worker` asked for. */
export async function startApp(
  config: Config,
  opts: { http: boolean; workers: boolean; logger?: boolean },
): Promise<App> {
  const app = await openApp(config, { longRunning: true });
  const { db, services, signal } = app;
  let server: FastifyInstance | undefined;
  let tokens: TokenService | undefined;
  let workers: Workers | undefined;
  try {
    await signal.start();
    // One log for the server, the workers and the domain (services.log): webhook failures, rejected requests.
    const log = opts.logger === false ? undefined : pino({ level: config.logLevel, ...LOG_REDACTION });
    services.log = log;
    if (opts.http) {
      tokens = new TokenService(db, config.tokenTtlSeconds, log);
      await tokens.start();
      server = await buildServer(config, services, tokens, log);
      await server.listen({ port: config.port, host: config.host, listenTextResolver: howToReach });
    }
    if (opts.workers) {
      await scheduleRetention(services);
      workers = startWorkers(services, signal, jobHandlers(config), {
        log: log ?? pino({ level: config.logLevel, ...LOG_REDACTION }),
        leaseMs: config.jobLeaseMs,
        fairness: { perWebhook: config.webhookMaxInFlight, perOrganization: config.webhookMaxInFlightPerOrganization },
      });
    }
  } catch (e) {
    await server?.close();
    tokens?.stop();
    await signal.stop();
    await db.close();
    throw e;
  }
  return {
    config,
    db,
    services,
    server,
    workers,
    close: async () => {
      await server?.close();
      await workers?.stop();
      tokens?.stop();
      await signal.stop();
      await db.close();
    },
  };
}

/** The first line a server logs: where to reach each part of it. */
export function howToReach(base: string): string {
  return `Ordergraph listening on ${base}: Orders API ${base}/graphql, Fulfiller API ${base}/fulfiller/graphql, GraphiQL ${base}/graphiql, dashboard ${base}/dashboard, metrics ${base}/metrics`;
}

export async function buildServer(config: Config, services: Services, tokens: TokenService, log: Logger | undefined): Promise<FastifyInstance> {
  const server: FastifyInstance = Fastify({
    // No instance: Fastify logs nothing.
    loggerInstance: log as FastifyBaseLogger | undefined,
    childLoggerFactory: log ? requestLoggerFactory : undefined,
    bodyLimit: config.bodyLimitBytes,
    // A caller's X-Request-Id is kept when it is a sane token (it ends up in history rows), else replaced.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    trustProxy: false,
    // One line per request at debug level instead of two at info: request logs cost real throughput.
    logController: new LogController({ disableRequestLogging: true }),
  });
  if (log?.isLevelEnabled('debug')) {
    server.addHook('onResponse', (request, reply, done) => {
      request.log.debug({ method: request.method, url: withoutQuery(request.url), statusCode: reply.statusCode, ms: reply.elapsedTime }, 'request');
      done();
    });
  }
  mountMetrics(server, services.db);
  await server.register(errorHandling);
  await server.register(healthRoutes, { db: services.db });
  await server.register(oauthRoutes, { db: services.db, tokens, issuer: config.issuer });
  await server.register(meRoute, { tokens });
  await server.register(idempotencyPlugin, { db: services.db });
  // One limiter for both dialects: a token's budget is shared between them.
  const rateLimiter = config.rateLimit ? new RateLimiter(parseRateLimit(config.rateLimit)) : undefined;
  const dialects = [
    { prefix: '', title: 'Orders API', schemaFile: 'api/orders/schema.graphql', resolvers: ordersResolvers },
    { prefix: '/fulfiller', title: 'Fulfiller API', schemaFile: 'api/fulfiller/schema.graphql', resolvers: fulfillerResolvers },
  ];
  // GraphiQL reads the schema by introspection: one switch for both.
  if (config.introspection) {
    await server.register(graphiqlRoutes, { endpoints: dialects });
    const policy = { idleMs: config.sessionIdleMinutes * 60_000, absoluteMs: config.sessionMaxHours * 3_600_000 };
    await server.register(graphiqlTokenRoute, { services, tokens, policy, issuer: config.issuer });
  }
  for (const d of dialects) {
    await mountGraphQL(server, {
      prefix: d.prefix,
      schemaFile: path.join(here, d.schemaFile),
      resolvers: d.resolvers as never,
      tokens,
      services,
      introspection: config.introspection,
      rateLimiter,
    });
  }
  await server.register(dashboardPlugin, {
    prefix: '/dashboard',
    services,
    sessionIdleMinutes: config.sessionIdleMinutes,
    sessionMaxHours: config.sessionMaxHours,
    issuer: config.issuer,
  });
  return server;
}
