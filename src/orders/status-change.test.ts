import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError } from '../errors/domain-error.ts';
import { statusChange, type StatusColumns } from './status-change.ts';
import { canTransition, effectOf, STATUS, STATUS_CODES } from './status-transitions.ts';

const row = (status: number, state: StatusColumns['state'] = 'OPENED', locked = 0): StatusColumns => ({
  state,
  status,
  locked,
  shipping_carrier: null,
  shipping_method: null,
  shipping_tracking: null,
});

describe('statusChange', () => {
  it('follows the transition table and its effects for every pair of codes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STATUS_CODES), fc.constantFrom(...STATUS_CODES), (from, to) => {
        const out = statusChange(row(from), { status: to });
        if (from === to) return assert.equal(out, undefined);
        if (!canTransition(from, to)) {
          assert.ok(out instanceof DomainError);
          return assert.equal(out.code, 'INVALID_STATUS_TRANSITION');
        }
        assert.ok(out && !(out instanceof DomainError));
        const effect = effectOf(to);
        assert.equal(out.row.status, to);
        assert.equal(out.lineStatus, effect.lines);
        assert.equal(out.row.locked, effect.locks ? 1 : 0);
        assert.equal(out.row.state, effect.completes ? 'COMPLETED' : 'OPENED');
        assert.deepEqual(out.events, effect.completes ? ['order/status-changed', 'order/completed'] : ['order/status-changed']);
        assert.deepEqual(out.changes.status, { from, to });
      }),
    );
  });

  it('does not complete an already COMPLETED order twice (8 → 64)', () => {
    const out = statusChange(row(STATUS.DISPATCHED, 'COMPLETED', 1), { status: STATUS.DISPATCHED_RETAILER_NOTIFIED });
    assert.ok(out && !(out instanceof DomainError));
    assert.deepEqual(out.events, ['order/status-changed']);
    assert.equal(out.changes.state, undefined);
  });

  it('records shipping fields alone as shipping-updated, and leaves the input row untouched', () => {
    const before = row(STATUS.RECEIVED);
    const out = statusChange(before, { shippingCarrier: 'DHL', shippingTracking: undefined }, 'x');
    assert.ok(out && !(out instanceof DomainError));
    assert.equal(out.action, 'shipping-updated');
    assert.deepEqual(out.events, ['order/updated']);
    assert.deepEqual(out.changes, { shippingCarrier: { from: null, to: 'DHL' } });
    assert.equal(before.shipping_carrier, null);
  });

  it('names a status move with the caller action', () => {
    const out = statusChange(row(STATUS.RECEIVED), { status: STATUS.CANCELLED }, 'cancelled');
    assert.ok(out && !(out instanceof DomainError));
    assert.equal(out.action, 'cancelled');
  });
});
