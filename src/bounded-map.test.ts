import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BoundedMap } from './bounded-map.ts';

test('a full map drops its oldest entry for a new key, and keeps every entry for a known one', () => {
  const m = new BoundedMap<string, number>(2);
  m.set('a', 1).set('b', 2).set('a', 3);
  assert.deepEqual([...m], [['a', 3], ['b', 2]]);
  m.set('c', 4);
  assert.deepEqual([...m], [['b', 2], ['c', 4]]);
});

test('it holds the newest `max` distinct keys of any sequence of writes, with their last values', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer())), (max, writes) => {
      const m = new BoundedMap<number, number>(max);
      const model = new Map<number, number>();
      for (const [k, v] of writes) {
        m.set(k, v);
        model.set(k, v);
        if (model.size > max) model.delete(model.keys().next().value as number);
      }
      assert.deepEqual([...m], [...model]);
    }),
  );
});
