import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  STATUS_CODES,
  STATUS_NAMES,
  canTransition,
  effectOf,
  isFinal,
  isStatusCode,
  statusName,
  transitionError,
} from './status-transitions.ts';

const ALL = [0, 1, 4, 8, 32, 64, 128, 256, 512, 513, 515, 516, 517];

// Oracle written by hand from the rules: every allowed non-identity move, per source status.
const ALLOWED_BY_HAND: Record<number, number[]> = {
  0: [1, 512, 513, 4, 517, 515, 516, 8, 64, 256, 32, 128],
  1: [512, 513, 4, 517, 515, 516, 8, 64, 256, 32, 128],
  512: [513, 4, 517, 515, 516, 8, 64, 256, 32, 128],
  513: [4, 517, 515, 516, 8, 64, 256, 32, 128],
  4: [517, 515, 516, 8, 64, 256, 32, 128],
  517: [515, 516, 8, 64, 256, 32, 128],
  515: [516, 8, 64, 256, 32, 128],
  516: [8, 64, 256, 32, 128],
  8: [64],
  64: [],
  128: [],
  256: [1, 512, 513, 4, 517, 515, 516, 32, 128],
  32: [1, 512, 513, 4, 517, 515, 516, 256, 128],
};
const oracle = (from: number, to: number): boolean => from === to || ALLOWED_BY_HAND[from].includes(to);

const code = fc.constantFrom(...ALL);
const notCatalogued = fc.integer().filter((n) => !ALL.includes(n));

describe('catalogue', () => {
  it('lists all 13 codes ascending with their names', () => {
    assert.deepEqual(STATUS_CODES, ALL);
    assert.equal(STATUS_NAMES[64], 'Dispatched (Retailer Notified)');
    assert.equal(STATUS_NAMES[517], 'Pending Dispatch');
    assert.equal(Object.keys(STATUS_NAMES).length, 13);
  });

  it('recognises catalogue codes and names unknown ones Unknown', () => {
    assert.ok(isStatusCode(0));
    assert.ok(isStatusCode(516));
    assert.equal(isStatusCode(2), false);
    assert.equal(isStatusCode(514), false);
    assert.equal(statusName(4), 'In Production');
    assert.equal(statusName(999), 'Unknown');
  });
});

describe('transition rules (examples)', () => {
  it('seed examples', () => {
    assert.ok(canTransition(1, 4));
    assert.equal(canTransition(4, 1), false);
    assert.ok(canTransition(8, 64));
    assert.equal(canTransition(64, 8), false);
    assert.equal(canTransition(128, 1), false);
    assert.ok(canTransition(256, 4));
    assert.equal(canTransition(256, 8), false);
    for (const c of ALL) assert.ok(canTransition(c, c), `${c} → ${c}`);
  });

  it('forward path may skip steps but not go back', () => {
    assert.ok(canTransition(1, 512));
    assert.ok(canTransition(512, 516));
    assert.ok(canTransition(1, 8));
    assert.ok(canTransition(517, 515)); // 517 precedes 515 on the path despite the higher code
    assert.equal(canTransition(515, 517), false);
    assert.equal(canTransition(4, 512), false);
    assert.equal(canTransition(516, 1), false);
  });

  it('Unknown precedes everything and can never be re-entered', () => {
    for (const to of [1, 4, 8, 64, 256, 32, 128]) assert.ok(canTransition(0, to), `0 → ${to}`);
    for (const from of ALL.filter((c) => c !== 0)) assert.equal(canTransition(from, 0), false, `${from} → 0`);
  });

  it('On Hold and QC Query are entered from open statuses and left to open ones', () => {
    for (const open of [1, 512, 513, 4, 517, 515, 516]) {
      assert.ok(canTransition(open, 256));
      assert.ok(canTransition(open, 32));
      assert.ok(canTransition(256, open));
      assert.ok(canTransition(32, open));
    }
    assert.ok(canTransition(256, 32));
    assert.ok(canTransition(32, 256));
    assert.equal(canTransition(32, 64), false);
    assert.equal(canTransition(8, 256), false);
    assert.equal(canTransition(128, 32), false);
  });

  it('Cancelled is reachable from anything before dispatch', () => {
    for (const from of [0, 1, 512, 513, 4, 517, 515, 516, 256, 32]) assert.ok(canTransition(from, 128), `${from} → 128`);
    assert.equal(canTransition(8, 128), false);
    assert.equal(canTransition(64, 128), false);
  });

  it('explains refusals with both statuses', () => {
    assert.equal(
      transitionError(8, 4),
      'cannot move from 8 Dispatched to 4 In Production: nothing leaves Dispatched except to 64 Dispatched (Retailer Notified)',
    );
    assert.match(transitionError(4, 512) ?? '', /backward/);
    assert.match(transitionError(256, 8) ?? '', /open status/);
    assert.equal(transitionError(1, 4), undefined);
    const unknown = transitionError(1, 3) ?? '';
    assert.match(unknown, /3 is not a fulfilment status/);
    assert.ok(unknown.includes(ALL.join(', ')));
    assert.equal(canTransition(3, 3), false);
    assert.equal(canTransition(999, 1), false);
  });
});

describe('effects', () => {
  it('maps statuses to line effects', () => {
    for (const s of [4, 517, 515, 516]) assert.deepEqual(effectOf(s), { lines: 'IN_PROGRESS', locks: true, completes: false });
    for (const s of [8, 64]) assert.deepEqual(effectOf(s), { lines: 'FULFILLED', locks: true, completes: true });
    assert.deepEqual(effectOf(128), { lines: 'CANCELED', locks: false, completes: true });
    for (const s of [0, 1, 32, 256, 512, 513, 999]) assert.deepEqual(effectOf(s), { lines: undefined, locks: false, completes: false });
  });

  it('isFinal is exactly 8, 64, 128', () => {
    assert.deepEqual(ALL.filter(isFinal), [8, 64, 128]);
  });
});

describe('exhaustive', () => {
  it('every pair of catalogue codes matches the hand-written oracle', () => {
    for (const from of ALL) {
      for (const to of ALL) {
        assert.equal(canTransition(from, to), oracle(from, to), `${from} → ${to}`);
      }
    }
  });
});

describe('properties', () => {
  it('(a) canTransition agrees with transitionError', () => {
    fc.assert(
      fc.property(fc.oneof(code, fc.integer()), fc.oneof(code, fc.integer()), (a, b) => {
        assert.equal(canTransition(a, b), transitionError(a, b) === undefined);
      }),
    );
  });

  it('(b) refusals name both codes and both names', () => {
    fc.assert(
      fc.property(code, code, (a, b) => {
        const msg = transitionError(a, b);
        fc.pre(msg !== undefined);
        for (const part of [`${a} ${STATUS_NAMES[a]}`, `${b} ${STATUS_NAMES[b]}`]) {
          assert.ok(msg!.includes(part), `${JSON.stringify(msg)} lacks ${part}`);
        }
      }),
    );
  });

  it('(c) targets outside the catalogue are refused and the message names them', () => {
    fc.assert(
      fc.property(fc.oneof(code, fc.integer()), notCatalogued, (from, to) => {
        assert.equal(canTransition(from, to), false);
        assert.ok(transitionError(from, to)!.includes(String(to)));
      }),
    );
  });

  it('(d) from a final status only identity and 8 → 64 are allowed', () => {
    fc.assert(
      fc.property(fc.constantFrom(8, 64, 128), fc.oneof(code, fc.integer()), (from, to) => {
        assert.equal(canTransition(from, to), to === from || (from === 8 && to === 64));
      }),
    );
  });

  it('(e) random walks from Received never leave a final status except 8 → 64', () => {
    fc.assert(
      fc.property(fc.array(code, { maxLength: 40 }), (proposals) => {
        let current = 1;
        for (const next of proposals) {
          if (!canTransition(current, next)) continue;
          if (isFinal(current) && next !== current) assert.ok(current === 8 && next === 64, `${current} → ${next}`);
          current = next;
        }
      }),
    );
  });
});
