/** Configuration from environment variables (SPEC §1); every one is optional. */
import path from 'node:path';
import { DEFAULT_FAIRNESS } from './jobs/workers.ts';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Unset → embedded SQLite file in dataDir. */
  databaseUrl: string | undefined;
  logLevel: string;
  tokenTtlSeconds: number;
  /** undefined = seed the demo on the first start of a new embedded database (never in production). */
  demo: boolean | undefined;
  workers: boolean;
  /** How long a claimed job stays claimed; a worker that dies holds its jobs this long. */
  jobLeaseMs: number;
  rateLimit: string | undefined;
  webhookAllowPrivate: boolean;
  /** First webhook retry delay (doubling up to 1 h); small in tests. */
  webhookRetryBaseMs: number;
  /** How long after an event its delivery is retried before it is given up (24 h). */
  webhookRetryWindowMs: number;
  /** Deliveries of one webhook in flight at once, across every worker (jobs/workers.ts). */
  webhookMaxInFlight: number;
  /** Deliveries of one organization's webhooks in flight at once, across every worker. */
  webhookMaxInFlightPerOrganization: number;
  bodyLimitBytes: number;
  /** Unset → the issuer is the URL the request came in on. */
  issuer: string | undefined;
  production: boolean;
  introspection: boolean;
}

function flag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return !['false', '0', 'off', 'no'].includes(value.toLowerCase());
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = positiveInt('PORT', env.PORT, 4000);
  const host = env.HOST || '127.0.0.1';
  const production = env.NODE_ENV === 'production';
  return {
    port,
    host,
    dataDir: path.resolve(env.DATA_DIR || './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    tokenTtlSeconds: positiveInt('ORDERGRAPH_TOKEN_TTL', env.ORDERGRAPH_TOKEN_TTL, 3600),
    demo: flag(env.ORDERGRAPH_DEMO),
    workers: flag(env.ORDERGRAPH_WORKERS) ?? true,
    jobLeaseMs: positiveInt('ORDERGRAPH_JOB_LEASE_MS', env.ORDERGRAPH_JOB_LEASE_MS, 60_000),
    rateLimit: env.ORDERGRAPH_RATE_LIMIT || undefined,
    webhookAllowPrivate: flag(env.ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE) ?? false,
    webhookRetryBaseMs: positiveInt('ORDERGRAPH_WEBHOOK_RETRY_BASE_MS', env.ORDERGRAPH_WEBHOOK_RETRY_BASE_MS, 5000),
    webhookRetryWindowMs: positiveInt('ORDERGRAPH_WEBHOOK_RETRY_WINDOW_MS', env.ORDERGRAPH_WEBHOOK_RETRY_WINDOW_MS, 24 * 3600 * 1000),
    webhookMaxInFlight: positiveInt('ORDERGRAPH_WEBHOOK_MAX_IN_FLIGHT', env.ORDERGRAPH_WEBHOOK_MAX_IN_FLIGHT, DEFAULT_FAIRNESS.perWebhook),
    webhookMaxInFlightPerOrganization: positiveInt(
      'ORDERGRAPH_WEBHOOK_MAX_IN_FLIGHT_PER_ORGANIZATION',
      env.ORDERGRAPH_WEBHOOK_MAX_IN_FLIGHT_PER_ORGANIZATION,
      DEFAULT_FAIRNESS.perOrganization,
    ),
    bodyLimitBytes: positiveInt('ORDERGRAPH_BODY_LIMIT', env.ORDERGRAPH_BODY_LIMIT, 1024 * 1024),
    issuer: env.ORDERGRAPH_ISSUER || undefined,
    production,
    introspection: flag(env.ORDERGRAPH_INTROSPECTION) ?? !production,
  };
}
