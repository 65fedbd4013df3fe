import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenLifetime } from './token-service.ts';

test('a token lives at least its expires_in, whatever the millisecond it is issued at', () => {
  for (const ttl of [1, 2, 3600]) {
    for (const ms of [1_764_000_000_000, 1_764_000_000_001, 1_764_000_000_500, 1_764_000_000_999]) {
      const { iat, exp } = tokenLifetime(ms, ttl);
      assert.equal(iat, Math.floor(ms / 1000), 'iat is the second it was issued in');
      assert.ok(exp * 1000 >= ms + ttl * 1000, `ttl ${ttl} at ${ms}: exp ${exp} comes before issue + ttl`);
      assert.ok(exp * 1000 < ms + ttl * 1000 + 1000, `ttl ${ttl} at ${ms}: exp ${exp} is more than a second late`);
    }
  }
});

test('issued on a whole second, a token lives exactly its ttl', () => {
  assert.deepEqual(tokenLifetime(1_764_000_000_000, 1), { iat: 1_764_000_000, exp: 1_764_000_001 });
});
