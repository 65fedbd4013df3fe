import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deliveryOrderState, lineStatusOf, rollUp, type DeliveryOrderState, type RollUpPart } from './roll-up.ts';
import { STATUS, STATUS_CODES } from '../orders/status-transitions.ts';

const FINAL = [8, 64, 128];
const part = fc
  .record({
    status: fc.constantFrom(...STATUS_CODES),
    rejected: fc.boolean(),
    rerouted: fc.boolean(),
    locked: fc.constantFrom(0, 1),
    carrier: fc.option(fc.constantFrom('DHL', 'UPS'), { nil: null }),
  })
  .map(({ status, rejected, rerouted, locked, carrier }): RollUpPart => {
    const state: DeliveryOrderState = rejected ? 'REJECTED' : deliveryOrderState(status, 'PENDING');
    return { number: 0, state, status, locked, rerouted_to: rejected && rerouted ? 'x' : null, shipping_carrier: carrier, shipping_method: null, shipping_tracking: null };
  });
const parts = fc.array(part, { minLength: 1, maxLength: 5 }).map((ps) => ps.map((p, i) => ({ ...p, number: 100 + i })));

describe('rollUp', () => {
  it('a single live delivery order is the order (the pre-split behaviour)', () => {
    for (const status of STATUS_CODES) {
      const p: RollUpPart = { number: 1, state: deliveryOrderState(status, 'PENDING'), status, locked: 0, rerouted_to: null, shipping_carrier: 'DHL', shipping_method: 'x', shipping_tracking: 't' };
      const o = rollUp([p]);
      assert.equal(o.status, status);
      assert.equal(o.state, FINAL.includes(status) ? 'COMPLETED' : 'OPENED');
      assert.deepEqual([o.shipping_carrier, o.shipping_method, o.shipping_tracking], ['DHL', 'x', 't']);
    }
  });

  it('holds SPEC §8 on every combination', () => {
    fc.assert(
      fc.property(parts, (ps) => {
        const o = rollUp(ps);
        const live = ps.filter((p) => p.rerouted_to === null);
        const working = live.filter((p) => p.state !== 'REJECTED' && p.status !== 128);
        // state: COMPLETED exactly when every live part is dispatched or cancelled (a rejected live part holds it open)
        const done = live.length > 0 && live.every((p) => p.state !== 'REJECTED' && FINAL.includes(p.status));
        assert.equal(o.state, done ? 'COMPLETED' : 'OPENED');
        // status: one of the working parts' statuses, none of them less advanced; 128 when none works or is rejected
        if (working.length > 0) assert.ok(working.some((p) => p.status === o.status));
        else if (!live.some((p) => p.state === 'REJECTED')) assert.equal(o.status, 128);
        // locked: once any part was locked
        assert.equal(o.locked, ps.some((p) => p.locked === 1) ? 1 : 0);
      }),
    );
  });

  it('takes the least advanced working part, pauses first', () => {
    const p = (number: number, status: number, state: DeliveryOrderState = deliveryOrderState(status, 'OPENED')): RollUpPart => ({
      number, state, status, locked: 0, rerouted_to: null, shipping_carrier: null, shipping_method: null, shipping_tracking: null,
    });
    assert.equal(rollUp([p(1, STATUS.IN_PRODUCTION), p(2, STATUS.RECEIVED_BY_SUPPLIER)]).status, 513);
    assert.equal(rollUp([p(1, STATUS.DISPATCHED), p(2, STATUS.CANCELLED)]).status, 8);
    assert.equal(rollUp([p(1, STATUS.DISPATCHED), p(2, STATUS.CANCELLED)]).state, 'COMPLETED');
    assert.equal(rollUp([p(1, STATUS.IN_PRODUCTION), p(2, STATUS.ON_HOLD)]).status, 256);
    assert.equal(rollUp([p(1, STATUS.CANCELLED), p(2, STATUS.CANCELLED)]).status, 128);
    const rejected = p(2, STATUS.RECEIVED, 'REJECTED');
    assert.deepEqual([rollUp([p(1, STATUS.DISPATCHED), rejected]).state, rollUp([p(1, STATUS.DISPATCHED), rejected]).status], ['OPENED', 8]);
    assert.equal(rollUp([p(1, STATUS.DISPATCHED), { ...rejected, rerouted_to: 'x' }, p(3, STATUS.DISPATCHED)]).state, 'COMPLETED');
  });
});

describe('deliveryOrderState and lineStatusOf', () => {
  it('PENDING until received by the supplier, OPENED after, COMPLETED when final; pauses keep the state', () => {
    assert.equal(deliveryOrderState(1, 'PENDING'), 'PENDING');
    assert.equal(deliveryOrderState(512, 'PENDING'), 'PENDING');
    assert.equal(deliveryOrderState(513, 'PENDING'), 'OPENED');
    assert.equal(deliveryOrderState(256, 'OPENED'), 'OPENED');
    assert.equal(deliveryOrderState(256, 'PENDING'), 'PENDING');
    assert.equal(deliveryOrderState(8, 'OPENED'), 'COMPLETED');
    assert.equal(deliveryOrderState(4, 'REJECTED'), 'REJECTED');
  });
  it('lines follow their delivery order', () => {
    assert.equal(lineStatusOf({ state: 'PENDING', status: 1, locked: 0 }), 'ACCEPTED');
    assert.equal(lineStatusOf({ state: 'OPENED', status: 4, locked: 1 }), 'IN_PROGRESS');
    assert.equal(lineStatusOf({ state: 'COMPLETED', status: 64, locked: 1 }), 'FULFILLED');
    assert.equal(lineStatusOf({ state: 'COMPLETED', status: 128, locked: 0 }), 'CANCELED');
    assert.equal(lineStatusOf({ state: 'REJECTED', status: 1, locked: 0 }), 'REJECTED');
  });
  it('a hold or QC query keeps what production started', () => {
    assert.equal(lineStatusOf({ state: 'OPENED', status: 256, locked: 1 }), 'IN_PROGRESS');
    assert.equal(lineStatusOf({ state: 'OPENED', status: 32, locked: 1 }), 'IN_PROGRESS');
    assert.equal(lineStatusOf({ state: 'OPENED', status: 256, locked: 0 }), 'ACCEPTED');
    assert.equal(lineStatusOf({ state: 'PENDING', status: 32, locked: 0 }), 'ACCEPTED');
  });
});
