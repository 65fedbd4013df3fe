import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError } from '../errors/domain-error.ts';
import { FINAL_EVENTS, SHIPPING_EVENTS, shippingEventChange, type EventShipment } from './shipping-events.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const SHIPPED: EventShipment = { state: 'OPENED', last_event: 'NEW', last_event_at: '2026-12-02T08:00:00.000Z', shipped_at: '2026-12-02T08:00:00.000Z' };

function refused(r: unknown, field: string): void {
  assert.ok(r instanceof DomainError && r.code === 'BAD_USER_INPUT', `expected a refusal, got ${JSON.stringify(r)}`);
  assert.equal(r.details?.field, field);
}

describe('shippingEventChange', () => {
  it('moves lastEvent and completes on DELIVERED', () => {
    const transit = shippingEventChange(SHIPPED, { event: 'IN_TRANSIT', date: '2026-12-02T14:30:00+01:00' }, NOW);
    assert.ok(!(transit instanceof DomainError));
    assert.deepEqual(transit.set, { state: 'OPENED', last_event: 'IN_TRANSIT', last_event_at: '2026-12-02T13:30:00.000Z' });
    const delivered = shippingEventChange({ ...SHIPPED, ...transit.set }, { event: 'DELIVERED', date: '2026-12-03T09:00:00Z' }, NOW);
    assert.ok(!(delivered instanceof DomainError));
    assert.deepEqual([delivered.set.state, delivered.set.last_event, delivered.completed], ['COMPLETED', 'DELIVERED', true]);
  });

  it('refuses an unknown event, a date more than a day ahead or before the shipment, a bad country', () => {
    refused(shippingEventChange(SHIPPED, { event: 'TELEPORTED', date: '2026-12-03T00:00:00Z' }, NOW), 'input.event');
    refused(shippingEventChange(SHIPPED, { event: 'IN_TRANSIT', date: '2026-12-04T12:00:01Z' }, NOW), 'input.date');
    refused(shippingEventChange(SHIPPED, { event: 'IN_TRANSIT', date: '2026-12-02T07:59:59Z' }, NOW), 'input.date');
    refused(shippingEventChange(SHIPPED, { event: 'IN_TRANSIT', date: 'yesterday' }, NOW), 'input.date');
    refused(shippingEventChange(SHIPPED, { event: 'IN_TRANSIT', date: '2026-12-03T00:00:00Z', country: 'France' }, NOW), 'input.country');
    // Within a day ahead is a carrier's clock, not a mistake.
    assert.ok(!(shippingEventChange(SHIPPED, { event: 'IN_TRANSIT', date: '2026-12-04T11:59:00Z' }, NOW) instanceof DomainError));
  });

  it('lastEvent is the latest-dated event, and a completed shipment stays completed, whatever the order of reports (property)', () => {
    const report = fc.record({ event: fc.constantFrom(...SHIPPING_EVENTS), offset: fc.integer({ min: 0, max: 24 * 3600 }) });
    fc.assert(
      fc.property(fc.array(report, { minLength: 1, maxLength: 12 }), (reports) => {
        let s = { ...SHIPPED };
        let latest = { at: s.last_event_at, event: s.last_event };
        let completedOnce = false;
        for (const r of reports) {
          const date = new Date(Date.parse(SHIPPED.shipped_at) + r.offset * 1000).toISOString();
          const o = shippingEventChange(s, { event: r.event, date }, NOW);
          assert.ok(!(o instanceof DomainError));
          if (date >= latest.at) latest = { at: date, event: r.event };
          if (date >= s.last_event_at && FINAL_EVENTS.has(r.event)) completedOnce = true;
          s = { ...s, ...o.set };
          assert.equal(s.last_event, latest.event);
          assert.equal(s.state, completedOnce ? 'COMPLETED' : 'OPENED');
        }
      }),
      { numRuns: 300 },
    );
  });
});
