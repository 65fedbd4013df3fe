import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRateLimit, RateLimiter } from './rate-limit.ts';

test('parses the HappyColis limits', () => {
  assert.deepEqual(parseRateLimit('1000/min,100/s'), [
    { limit: 1000, windowMs: 60_000 },
    { limit: 100, windowMs: 1000 },
  ]);
  assert.throws(() => parseRateLimit('100 per second'), /ORDERGRAPH_RATE_LIMIT: "100 per second"/);
  assert.throws(() => parseRateLimit('0/s'), /must look like/);
});

test('counts per key, reports the tightest rule, and refuses over the limit', () => {
  const limiter = new RateLimiter(parseRateLimit('5/min,2/s'));
  const t0 = 1_000_000;
  const first = limiter.hit('a', t0);
  assert.equal(first.retryAfter, undefined);
  assert.deepEqual(first.headers, { 'X-RateLimit-Limit': '2', 'X-RateLimit-Remaining': '1', 'X-RateLimit-Reset': '1' });
  limiter.hit('a', t0 + 10);
  const third = limiter.hit('a', t0 + 20);
  assert.equal(third.retryAfter, 1);
  assert.equal(limiter.hit('b', t0 + 20).retryAfter, undefined, 'another token has its own budget');
  // A new second opens the per-second window; the per-minute one keeps counting.
  assert.equal(limiter.hit('a', t0 + 1000).retryAfter, undefined);
  assert.equal(limiter.hit('a', t0 + 1001).retryAfter, undefined);
  const overMinute = limiter.hit('a', t0 + 2500);
  assert.equal(overMinute.retryAfter, 58);
});
