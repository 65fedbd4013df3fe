import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDomainError } from '../errors/domain-error.ts';
import { NO_FAULTS, parseFaults, FAULTS, type FaultRates } from './sandbox-faults.ts';
import { alreadyPast, sandboxPlan, type Step } from './sandbox-plan.ts';

const all = (rate: number): FaultRates => Object.fromEntries(FAULTS.map((f) => [f, rate])) as FaultRates;
const statuses = (steps: Step[]) => steps.flatMap((s) => (s.kind === 'status' ? [s.status] : []));
const plan = (seed: string, number: number, rates: FaultRates) => sandboxPlan(seed, number, rates).map((p) => p.step);

describe('sandbox plan', () => {
  it('walks the happy path: 513, 4, 517, one parcel, carrier events to DELIVERED', () => {
    const steps = plan('s', 1001, NO_FAULTS);
    assert.deepEqual(statuses(steps), [513, 4, 517]);
    assert.deepEqual(steps.filter((s) => s.kind === 'ship').length, 1);
    assert.deepEqual(
      steps.flatMap((s) => (s.kind === 'track' ? [s.event] : [])),
      ['INFO_RECEIVED', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'],
    );
  });

  it('is a function of seed and number: same inputs, same plan, tracking numbers included', () => {
    assert.deepEqual(sandboxPlan('seed', 7, all(0.5)), sandboxPlan('seed', 7, all(0.5)));
    const ship = (seed: string) => plan(seed, 7, NO_FAULTS).find((s) => s.kind === 'ship');
    assert.notDeepEqual(ship('a'), ship('b'));
  });

  it('at rate 1 every fault happens, each with its text: a rejection ends the plan at once', () => {
    const [reject, ...rest] = plan('s', 1, all(1));
    assert.equal(reject.kind, 'reject');
    assert.ok(reject.kind === 'reject' && reject.reason.length > 10 && reject.reasonCode);
    assert.equal(rest.length, 0);
    const steps = plan('s', 1, { ...all(1), reject: 0 });
    assert.deepEqual(statuses(steps), [513, 256, 513, 4, 32, 4, 517]);
    // On Hold and QC Query say why, and so do their ends.
    assert.deepEqual(steps.flatMap((s) => (s.kind === 'status' && s.note ? [s.status] : [])), [256, 513, 32, 4]);
    assert.deepEqual(steps.filter((s) => s.kind === 'ship').map((s) => s.kind === 'ship' && s.half), [true, false]);
    const tracks = steps.flatMap((s) => (s.kind === 'track' && s.event === 'DELIVERED' ? [s.parcel] : []));
    assert.deepEqual(tracks, [0, 1]);
  });

  it('knows which way the path goes', () => {
    assert.ok(alreadyPast(4, 513));
    assert.ok(!alreadyPast(513, 4));
    assert.ok(!alreadyPast(256, 513));
  });
});

describe('fault rates', () => {
  it('parses name=rate pairs, absent faults 0', () => {
    assert.deepEqual(parseFaults('reject=0.05, partial=0.3'), { ...NO_FAULTS, reject: 0.05, partial: 0.3 });
    assert.deepEqual(parseFaults(''), NO_FAULTS);
  });
  it('refuses unknown names, bad rates and bad shapes, naming the flag', () => {
    for (const bad of ['explode=1', 'reject=2', 'reject', 'qc=x']) {
      const r = parseFaults(bad);
      assert.ok(isDomainError(r) && r.code === 'BAD_USER_INPUT' && r.message.startsWith('`faults`'), bad);
    }
  });
});
