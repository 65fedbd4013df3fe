/** The soak's size rule (steady-state.ts): the size at the last minute vs the size at half-time, ±10 %. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sizeStableCheck, type SizeSample } from './steady-state.ts';

const samples = (sizes: number[]): SizeSample[] => sizes.map((bytes, minute) => ({ minute, bytes, rows: {}, requests: 0 }));

it('passes when the size at 10 min is within 10 % of the size at 5 min, whatever came before', () => {
  const growingThenFlat = [1, 20, 40, 60, 80, 100, 104, 95, 108, 101, 110].map((mb) => mb * 1e6);
  const c = sizeStableCheck(samples(growingThenFlat));
  assert.deepEqual(c.problems, []);
  assert.match(c.detail, /100\.00 MB at 5 min, 110\.00 MB at 10 min \(\+10\.0 %\)/);
  assert.deepEqual(sizeStableCheck(samples([0, 0, 0, 0, 0, 100, 0, 0, 0, 0, 90.5])).problems, []);
});

it('fails when it grew or shrank by more than 10 %', () => {
  assert.match(sizeStableCheck(samples([0, 0, 0, 0, 0, 100, 0, 0, 0, 0, 111])).problems[0], /11\.0 % is outside ±10 %/);
  assert.match(sizeStableCheck(samples([0, 0, 0, 0, 0, 100, 0, 0, 0, 0, 89])).problems[0], /-11\.0 %/);
});

it('compares the last minute with round(last / 2), and fails without those samples', () => {
  assert.match(sizeStableCheck(samples([0, 0, 100, 0, 105])).detail, /at 2 min, .* at 4 min/);
  const gap = samples([0, 0, 0, 0, 0, 100, 0, 0, 0, 0, 100]).filter((s) => s.minute !== 5);
  assert.equal(sizeStableCheck(gap).problems.length, 1);
  assert.equal(sizeStableCheck(samples([100, 100])).problems.length, 1, 'a minute of load shows no steady state');
});
