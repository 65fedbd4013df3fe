import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, parseRetryAfter, retryAfterDelayMs, retryPolicy } from './webhook-retry-policy.ts';

const P = DEFAULT_RETRY_POLICY;
const T0 = Date.parse('2026-11-22T00:00:00Z');

describe('backoffDelayMs', () => {
  it('starts at about 5 s and doubles', () => {
    const mid = () => 0.5; // no jitter
    assert.equal(backoffDelayMs(P, 1, T0, T0, mid), 5_000);
    assert.equal(backoffDelayMs(P, 2, T0, T0, mid), 10_000);
    assert.equal(backoffDelayMs(P, 3, T0, T0, mid), 20_000);
    assert.equal(backoffDelayMs(P, 10, T0, T0, mid), 2_560_000);
  });

  it('stays within ±20 % of the exponential delay, capped at 1 h', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const d = backoffDelayMs(P, attempt, T0, T0, () => r)!;
        const exp = Math.min(P.maxDelayMs, P.baseMs * 2 ** (attempt - 1));
        assert.ok(d >= Math.floor(exp * 0.8) && d <= Math.ceil(exp * 1.2), `${attempt}: ${d}`);
      }),
    );
  });

  it('never waits past the window, and gives up once it has closed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 2 * P.windowMs }), (attempt, elapsed) => {
        const d = backoffDelayMs(P, attempt, T0, T0 + elapsed);
        if (elapsed >= P.windowMs) assert.equal(d, undefined);
        else assert.ok(d !== undefined && d >= 1 && T0 + elapsed + d <= T0 + P.windowMs);
      }),
    );
  });

  it('makes about 30 attempts in 24 h when the endpoint never answers 2xx', () => {
    let now = T0;
    let attempts = 1;
    for (;;) {
      const d = backoffDelayMs(P, attempts, T0, now, () => 0.5);
      if (d === undefined) break;
      now += d;
      attempts++;
    }
    assert.ok(attempts >= 25 && attempts <= 35, String(attempts));
    assert.equal(now, T0 + P.windowMs); // the last attempt is at the end of the window
  });

  it('takes the configured base and window', () => {
    const p = retryPolicy({ baseMs: 100, windowMs: 2_000 });
    assert.equal(backoffDelayMs(p, 1, T0, T0, () => 0.5), 100);
    assert.equal(backoffDelayMs(p, 1, T0, T0 + 2_000), undefined);
    assert.equal(p.maxDelayMs, 3_600_000);
    assert.deepEqual(retryPolicy(undefined), DEFAULT_RETRY_POLICY);
  });
});

describe('Retry-After', () => {
  it('parses delay-seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('120', T0), 120_000);
    assert.equal(parseRetryAfter(' 0 ', T0), 0);
    assert.equal(parseRetryAfter(new Date(T0 + 30_000).toUTCString(), T0), 30_000);
    assert.equal(parseRetryAfter(new Date(T0 - 30_000).toUTCString(), T0), 0);
    for (const bad of [null, undefined, '', 'soon', '-5', '1.5']) assert.equal(parseRetryAfter(bad, T0), undefined, String(bad));
  });

  it('is honoured between the base delay and 1 h, within the window', () => {
    assert.equal(retryAfterDelayMs(P, 60_000, T0, T0), 60_000);
    assert.equal(retryAfterDelayMs(P, 0, T0, T0), P.baseMs);
    assert.equal(retryAfterDelayMs(P, 10 * 3_600_000, T0, T0), P.maxDelayMs);
    assert.equal(retryAfterDelayMs(P, undefined, T0, T0), undefined);
    // Past the window: the usual backoff decides (and gives up at the end).
    assert.equal(retryAfterDelayMs(P, 3_600_000, T0, T0 + P.windowMs - 60_000), undefined);
  });
});
