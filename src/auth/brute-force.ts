/**
 * Counts failed client authentications per client id and per IP in a fixed window. Over the limit, every
 * attempt for that client or from that IP is refused until the window ends: a correct guess must not get
 * through either, or the lock would tell an attacker nothing he could not learn anyway.
 */
export class FailureLimiter {
  private readonly counts = new Map<string, { n: number; resetAt: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly perClient: number,
    private readonly perIp: number,
  ) {}

  /** Seconds to wait, or 0 when the attempt may go ahead. */
  retryAfter(clientId: string | undefined, ip: string): number {
    const now = Date.now();
    let wait = 0;
    for (const [key, limit] of this.keys(clientId, ip)) {
      const c = this.counts.get(key);
      if (c && c.resetAt > now && c.n >= limit) wait = Math.max(wait, Math.ceil((c.resetAt - now) / 1000));
    }
    return wait;
  }

  recordFailure(clientId: string | undefined, ip: string): void {
    const now = Date.now();
    if (this.counts.size > 100_000) this.sweep(now);
    for (const [key] of this.keys(clientId, ip)) {
      const c = this.counts.get(key);
      if (!c || c.resetAt <= now) this.counts.set(key, { n: 1, resetAt: now + this.windowMs });
      else c.n += 1;
    }
  }

  private keys(clientId: string | undefined, ip: string): [string, number][] {
    const keys: [string, number][] = [[`ip:${ip}`, this.perIp]];
    if (clientId) keys.push([`client:${clientId}`, this.perClient]);
    return keys;
  }

  private sweep(now: number): void {
    for (const [k, c] of this.counts) if (c.resetAt <= now) this.counts.delete(k);
  }
}
