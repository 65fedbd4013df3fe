/**
 * `merchantChangeRefusal`: when a merchant may no longer change an order (COMPLETED, or production started: the
 * order locked or a line in progress or fulfilled), and what the refusal says.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { merchantChangeRefusal } from './order-changes.ts';
import type { LineStatus, OrderRecord } from './order-record.ts';
import { STATUS_CODES } from './status-transitions.ts';

const LINE_STATUSES: LineStatus[] = ['PENDING', 'ACCEPTED', 'IN_PROGRESS', 'FULFILLED', 'CANCELED'];

/** An order record with only what the rule reads. */
function record(state: string, status: number, locked: number, lineStatuses: LineStatus[]): OrderRecord {
  return { row: { state, status, locked }, lines: lineStatuses.map((s, i) => ({ id: `l${i}`, status: s })) } as unknown as OrderRecord;
}

describe('merchantChangeRefusal', () => {
  it('allows changes to a DRAFT or an OPENED order whose production has not started', () => {
    assert.equal(merchantChangeRefusal(record('DRAFT', 0, 0, ['PENDING', 'PENDING'])), undefined);
    assert.equal(merchantChangeRefusal(record('OPENED', 1, 0, ['ACCEPTED'])), undefined);
    assert.equal(merchantChangeRefusal(record('OPENED', 512, 0, ['ACCEPTED', 'CANCELED'])), undefined);
  });

  it('refuses a COMPLETED order, naming its status', () => {
    assert.equal(
      merchantChangeRefusal(record('COMPLETED', 128, 0, ['CANCELED'])),
      'the order is COMPLETED (status 128 Cancelled) and can no longer be changed',
    );
    assert.match(merchantChangeRefusal(record('COMPLETED', 8, 1, ['FULFILLED']))!, /COMPLETED \(status 8 Dispatched\)/);
  });

  it('refuses a locked order: production has started', () => {
    assert.equal(
      merchantChangeRefusal(record('OPENED', 4, 1, ['ACCEPTED'])),
      'production has started (status 4 In Production); the order can no longer be changed',
    );
    assert.equal(
      merchantChangeRefusal(record('OPENED', 256, 1, [])),
      'production has started (status 256 On Hold); the order can no longer be changed',
      'a hold after production started keeps the order locked',
    );
  });

  it('names the lines (from 1) whose production has started, even on an unlocked order', () => {
    assert.equal(
      merchantChangeRefusal(record('OPENED', 512, 0, ['ACCEPTED', 'IN_PROGRESS', 'ACCEPTED', 'FULFILLED'])),
      'production has started for line(s) 2, 4 (status 512 Sent to Supplier); the order can no longer be changed',
    );
  });

  it('refuses exactly when the order is COMPLETED, locked, or has a line in progress or fulfilled (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('DRAFT', 'OPENED', 'COMPLETED'),
        fc.constantFrom(...STATUS_CODES),
        fc.constantFrom(0, 1),
        fc.array(fc.constantFrom(...LINE_STATUSES), { maxLength: 6 }),
        (state, status, locked, lines) => {
          const refusal = merchantChangeRefusal(record(state, status, locked, lines));
          const started = lines.some((s) => s === 'IN_PROGRESS' || s === 'FULFILLED');
          assert.equal(refusal !== undefined, state === 'COMPLETED' || locked === 1 || started, String(refusal));
          if (refusal) assert.ok(refusal.includes(`status ${status} `), refusal);
        },
      ),
    );
  });
});
