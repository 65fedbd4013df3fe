/** Configuration from environment variables (SPEC §1); every one is optional. */
import path from 'node:path';
import { DEFAULT_FAIRNESS } from './jobs/workers.ts';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Unset → embedded SQLite file in dataDir. */
  databaseUrl: string | undefined;
  /** PostgreSQL connections one process may open (its pool's max); mind max_connections × processes. */
  dbPoolSize: number;
  logLevel: string;
  tokenTtlSeconds: number;
  /** undefined = seed the demo on the first start of a new embedded database (never in production). */
  demo: boolean | undefined;
  workers: boolean;
  /** The demo's supplier is a sandbox fulfiller (SPEC §12); on unless ORDERGRAPH_SANDBOX=false. */
  sandbox: boolean;
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
  /** Caps the embedded SQLite file, in bytes (unset: no cap); writes past it fail as on a full disk. */
  sqliteMaxBytes: number | undefined;
  introspection: boolean;
  /** Dashboard sessions end after this long without a request… */
  sessionIdleMinutes: number;
  /** …and this long after sign-in, whatever happens. */
  sessionMaxHours: number;
  /** How long finished rows are kept before the retention job prunes them (src/retention/). */
  retention: RetentionConfig;
}

/** Retention windows and the pruning interval, in milliseconds. History and orders are always kept. */
export interface RetentionConfig {
  /** How often the retention job runs. */
  intervalMs: number;
  /** Finished (done or failed) jobs. */
  jobsMs: number;
  /** Webhook delivery attempts (the delivery log) and the outbox events they delivered. */
  deliveryLogMs: number;
  /** Settled (accepted or rejected) dispatchable requests. */
  requestsMs: number;
  /** Idempotency keys: a retry within this window returns the first response (SPEC §4: 24 h). */
  idempotencyMs: number;
  /** Revoked tokens, counted from their expiry (a token past expiry is refused anyway). */
  revokedTokensMs: number;
}

function flag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return !['false', '0', 'off', 'no'].includes(value.toLowerCase());
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `7d`, `24h`, `10m`, `30s` or `500ms` (a bare number is seconds). */
function duration(name: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined || value === '') return fallbackMs;
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? 's'] : NaN;
  if (!(ms > 0)) throw new Error(`${name} must be a positive duration such as 7d, 24h, 10m or 30s, got "${value}"`);
  return ms;
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
    dbPoolSize: positiveInt('ORDERGRAPH_DB_POOL_SIZE', env.ORDERGRAPH_DB_POOL_SIZE, 24),
    logLevel: env.LOG_LEVEL || 'info',
    tokenTtlSeconds: positiveInt('ORDERGRAPH_TOKEN_TTL', env.ORDERGRAPH_TOKEN_TTL, 3600),
    demo: flag(env.ORDERGRAPH_DEMO),
    workers: flag(env.ORDERGRAPH_WORKERS) ?? true,
    sandbox: flag(env.ORDERGRAPH_SANDBOX) ?? true,
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
    sqliteMaxBytes: env.ORDERGRAPH_SQLITE_MAX_MB ? positiveInt('ORDERGRAPH_SQLITE_MAX_MB', env.ORDERGRAPH_SQLITE_MAX_MB, 0) * 1024 * 1024 : undefined,
    introspection: flag(env.ORDERGRAPH_INTROSPECTION) ?? !production,
    sessionIdleMinutes: positiveInt('ORDERGRAPH_SESSION_IDLE_MINUTES', env.ORDERGRAPH_SESSION_IDLE_MINUTES, 30),
    sessionMaxHours: positiveInt('ORDERGRAPH_SESSION_MAX_HOURS', env.ORDERGRAPH_SESSION_MAX_HOURS, 12),
    retention: {
      intervalMs: duration('ORDERGRAPH_RETENTION_INTERVAL', env.ORDERGRAPH_RETENTION_INTERVAL, UNIT_MS.m * 10),
      jobsMs: duration('ORDERGRAPH_RETENTION_JOBS', env.ORDERGRAPH_RETENTION_JOBS, UNIT_MS.d),
      deliveryLogMs: duration('ORDERGRAPH_RETENTION_DELIVERY_LOG', env.ORDERGRAPH_RETENTION_DELIVERY_LOG, UNIT_MS.d * 7),
      requestsMs: duration('ORDERGRAPH_RETENTION_REQUESTS', env.ORDERGRAPH_RETENTION_REQUESTS, UNIT_MS.d * 7),
      idempotencyMs: duration('ORDERGRAPH_RETENTION_IDEMPOTENCY', env.ORDERGRAPH_RETENTION_IDEMPOTENCY, UNIT_MS.d),
      revokedTokensMs: duration('ORDERGRAPH_RETENTION_REVOKED_TOKENS', env.ORDERGRAPH_RETENTION_REVOKED_TOKENS, UNIT_MS.h),
    },
  };
}
