/**
 * Per-token rate limits (SPEC §7), off unless ORDERGRAPH_RATE_LIMIT is set, e.g. `1000/min,100/s`. Fixed windows
 * counted in this process's memory: with several nodes each node counts on its own (see docs/operations.md).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface RateRule {
  limit: number;
  windowMs: number;
}

const UNITS: Record<string, number> = { s: 1000, sec: 1000, second: 1000, m: 60_000, min: 60_000, minute: 60_000, h: 3_600_000, hour: 3_600_000 };

/** Parses `1000/min,100/s`; throws with the offending part. */
export function parseRateLimit(spec: string): RateRule[] {
  return spec.split(',').map((part) => {
    const m = /^\s*(\d+)\s*\/\s*([a-z]+)\s*$/i.exec(part);
    const windowMs = m && UNITS[m[2].toLowerCase()];
    if (!m || !windowMs || Number(m[1]) <= 0) {
      throw new Error(`ORDERGRAPH_RATE_LIMIT: "${part.trim()}" must look like 100/s, 1000/min or 10000/hour`);
    }
    return { limit: Number(m[1]), windowMs };
  });
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }[]>();

  constructor(private readonly rules: RateRule[]) {}

  /** Counts one request for `key`; returns the headers to send and, when over a limit, the seconds to wait. */
  hit(key: string, now = Date.now()): { headers: Record<string, string>; retryAfter?: number } {
    if (this.windows.size > 100_000) this.windows.clear(); // bounded memory; a reset only forgives
    let state = this.windows.get(key);
    if (!state) {
      state = this.rules.map(() => ({ start: now, count: 0 }));
      this.windows.set(key, state);
    }
    let tightest = { limit: 0, remaining: Infinity, reset: 0 };
    let retryAfter: number | undefined;
    this.rules.forEach((rule, i) => {
      const w = state![i];
      if (now - w.start >= rule.windowMs) {
        w.start = now;
        w.count = 0;
      }
      w.count += 1;
      const reset = Math.ceil((w.start + rule.windowMs - now) / 1000);
      const remaining = Math.max(0, rule.limit - w.count);
      if (w.count > rule.limit) retryAfter = Math.max(retryAfter ?? 0, reset);
      if (remaining < tightest.remaining) tightest = { limit: rule.limit, remaining, reset };
    });
    return {
      headers: {
        'X-RateLimit-Limit': String(tightest.limit),
        'X-RateLimit-Remaining': String(tightest.remaining),
        'X-RateLimit-Reset': String(tightest.reset),
      },
      retryAfter,
    };
  }
}

/** A Fastify hook limiting by the Bearer token; runs after authentication. */
export function rateLimitHook(limiter: RateLimiter) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const token = request.headers.authorization ?? request.ip;
    const { headers, retryAfter } = limiter.hit(token);
    reply.headers(headers);
    if (retryAfter === undefined) return undefined;
    return reply
      .code(429)
      .header('Retry-After', String(retryAfter))
      .send({ statusCode: 429, message: `Too many requests. Please retry after ${retryAfter} seconds.` });
  };
}
