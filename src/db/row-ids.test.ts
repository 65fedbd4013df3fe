import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { newRowId } from './row-ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('row ids are UUIDv7 whose prefix is the time, so they sort by creation time across milliseconds', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 48 - 2 }), (ms) => {
      const a = newRowId(ms);
      const b = newRowId(ms + 1);
      assert.match(a, UUID_V7);
      assert.equal(Number.parseInt(a.replace(/-/g, '').slice(0, 12), 16), ms);
      assert.ok(a < b);
    }),
  );
});

test('row ids made in the same millisecond differ', () => {
  const ids = new Set(Array.from({ length: 10_000 }, () => newRowId(1_700_000_000_000)));
  assert.equal(ids.size, 10_000);
});
