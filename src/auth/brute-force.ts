/**
 * Brute-force protection of the token endpoint. Failed client authentications are counted in fixed windows per
 * (client id, address) and per address; over either limit, attempts from that address (for that client, or at
 * all) are refused until the window ends, a correct secret too, or the lock would tell the attacker nothing.
 *
 * Failures are never counted per client alone for locking: client ids are not secret (JWT `sub`, history rows),
 * so such a lock would let anyone lock any client out. A correct secret from an address that has not been failing
 * always gets through. Failures per client across all addresses only raise an alarm (`onAlarm`, once per window):
 * a distributed guess at one client is worth a log line and a metric, not a denial of service.
 */
export interface FailureLimits {
  windowMs: number;
  /** Failures of one client id from one address before that pair is locked. */
  perClientAddress: number;
  /** Failures from one address (any client ids) before the address is locked. */
  perAddress: number;
  /** Failures of one client id from all addresses that raise the alarm. */
  clientAlarm: number;
}

export const DEFAULT_FAILURE_LIMITS: FailureLimits = { windowMs: 60_000, perClientAddress: 10, perAddress: 100, clientAlarm: 50 };

interface Window {
  n: number;
  resetAt: number;
}

/** Bounds memory under a flood of made-up client ids: expired windows are swept past this many entries. */
const SWEEP_AT = 100_000;

export class FailureLimiter {
  private readonly counts = new Map<string, Window>();

  constructor(
    private readonly limits: FailureLimits = DEFAULT_FAILURE_LIMITS,
    /** Called once per window when one client id's failures from all addresses reach `clientAlarm`. */
    private readonly onAlarm: (clientId: string, failures: number) => void = () => {},
  ) {}

  get windowSeconds(): number {
    return this.limits.windowMs / 1000;
  }

  /** Seconds to wait, or 0 when the attempt may go ahead. */
  retryAfter(clientId: string | undefined, address: string): number {
    const now = Date.now();
    let wait = 0;
    for (const [key, limit] of this.lockKeys(clientId, address)) {
      const c = this.counts.get(key);
      if (c && c.resetAt > now && c.n >= limit) wait = Math.max(wait, Math.ceil((c.resetAt - now) / 1000));
    }
    return wait;
  }

  recordFailure(clientId: string | undefined, address: string): void {
    const now = Date.now();
    if (this.counts.size > SWEEP_AT) this.sweep(now);
    for (const [key] of this.lockKeys(clientId, address)) this.count(key, now);
    if (clientId) {
      const n = this.count(`client:${clientId}`, now);
      if (n === this.limits.clientAlarm) this.onAlarm(clientId, n);
    }
  }

  private count(key: string, now: number): number {
    const c = this.counts.get(key);
    if (!c || c.resetAt <= now) {
      this.counts.set(key, { n: 1, resetAt: now + this.limits.windowMs });
      return 1;
    }
    return ++c.n;
  }

  private lockKeys(clientId: string | undefined, address: string): [string, number][] {
    const keys: [string, number][] = [[`addr:${address}`, this.limits.perAddress]];
    if (clientId) keys.push([`pair:${address}\n${clientId}`, this.limits.perClientAddress]);
    return keys;
  }

  private sweep(now: number): void {
    for (const [k, c] of this.counts) if (c.resetAt <= now) this.counts.delete(k);
  }
}
