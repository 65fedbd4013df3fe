/**
 * When a failed delivery is tried again: exponential backoff with jitter (about 5 s doubling to 1 h) for a
 * window (24 h) from the time the delivery was queued, with one last attempt at the end of the window; and how
 * a `Retry-After` answer (429/503) is honoured within the same window.
 */

export interface RetryPolicy {
  /** The first delay; each further failure doubles it. */
  baseMs: number;
  /** The longest delay between two attempts. */
  maxDelayMs: number;
  /** How long after the delivery was queued it is still tried. */
  windowMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseMs: 5_000, maxDelayMs: 3_600_000, windowMs: 24 * 3_600_000 };

/** The policy with the base and window the operator configured (see config.ts), if any. */
export function retryPolicy(configured?: { baseMs: number; windowMs: number }): RetryPolicy {
  return configured ? { ...DEFAULT_RETRY_POLICY, ...configured } : DEFAULT_RETRY_POLICY;
}

/** ±20 %: enough to spread the retries of many deliveries that failed together. */
const JITTER = 0.2;

/**
 * How long to wait after failed attempt number `attempt` (1 for the first), or undefined when the window has
 * closed and the delivery is given up.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  queuedAt: number,
  now: number = Date.now(),
  random: () => number = Math.random,
): number | undefined {
  const remaining = queuedAt + policy.windowMs - now;
  if (!(remaining > 0)) return undefined;
  const exponential = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 40));
  const jittered = Math.round(exponential * (1 - JITTER + 2 * JITTER * random()));
  return Math.max(1, Math.min(jittered, remaining));
}

/** Parses a `Retry-After` value (delay-seconds or an HTTP-date) into milliseconds from `now`; undefined if invalid. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names its weekday and month; anything else (e.g. "-5", "1.5") is not one.
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * The delay a `Retry-After` asks for, kept between the base delay and the longest delay, or undefined when it
 * is absent or points past the window (then the usual backoff decides, which gives up at the window's end).
 */
export function retryAfterDelayMs(policy: RetryPolicy, retryAfterMs: number | undefined, queuedAt: number, now: number = Date.now()): number | undefined {
  if (retryAfterMs === undefined) return undefined;
  const delay = Math.min(policy.maxDelayMs, Math.max(policy.baseMs, retryAfterMs));
  return now + delay < queuedAt + policy.windowMs ? delay : undefined;
}
