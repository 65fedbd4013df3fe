import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError } from '../errors/domain-error.ts';
import { lineStatusWith } from '../fulfilment/roll-up.ts';
import { fulfillerNames } from './field-names.ts';
import { isHttpUrl, planShipment, shipmentInputRefusal, type ItemRequest, type PlanDeliveryOrder, type PlanLine } from './shipment-plan.ts';

const NAMES = fulfillerNames(2);
const DO: PlanDeliveryOrder = { id: 'do-1', number: 7, state: 'OPENED', status: 4 };
const NOW = Date.parse('2026-12-03T12:00:00Z');

function refused(r: unknown, field: string, rule?: RegExp): void {
  assert.ok(r instanceof DomainError, `expected a refusal, got ${JSON.stringify(r)}`);
  assert.equal(r.code, 'BAD_USER_INPUT');
  assert.equal(r.details?.field, field);
  if (rule) assert.match(r.message, rule);
}

const line = (id: number, quantity: number, fulfilled = 0, extra: Partial<PlanLine> = {}): PlanLine => ({
  id,
  sku: `SKU-${id}`,
  quantity,
  fulfilled_quantity: fulfilled,
  status: fulfilled > 0 ? 'PARTIALLY_FULFILLED' : 'IN_PROGRESS',
  delivery_order_id: 'do-1',
  ...extra,
});

describe('planShipment', () => {
  it('ships a part of one line, then the rest, and says when all is shipped', () => {
    const lines = [line(1, 3), line(2, 1)];
    const first = planShipment(DO, lines, [{ id: 1, quantity: 2 }], NAMES);
    assert.ok(!(first instanceof DomainError));
    assert.deepEqual(first.lines, [{ id: 1, quantity: 2, fulfilledFrom: 0, fulfilledTo: 2, statusFrom: 'IN_PROGRESS', statusTo: 'PARTIALLY_FULFILLED' }]);
    assert.equal(first.allShipped, false);
    const rest = planShipment(DO, [line(1, 3, 2), line(2, 1)], null, NAMES);
    assert.ok(!(rest instanceof DomainError));
    assert.deepEqual(rest.lines.map((l) => [l.id, l.quantity, l.statusTo]), [[1, 1, 'FULFILLED'], [2, 1, 'FULFILLED']]);
    assert.equal(rest.allShipped, true);
  });

  it('refuses over-shipping, an item of another delivery order, and a cancelled or rejected delivery order, naming the field', () => {
    refused(planShipment(DO, [line(1, 2, 1)], [{ id: 1, quantity: 2 }], NAMES), 'shipments[2].items[0].quantity', /at most 1/);
    refused(planShipment(DO, [line(1, 2), line(9, 1, 0, { delivery_order_id: 'do-2' })], [{ id: 9, quantity: 1 }], NAMES), 'shipments[2].items[0].id', /not an item of order 7/);
    refused(planShipment({ ...DO, state: 'REJECTED' }, [line(1, 2)], null, NAMES), 'shipments[2].order_id', /rejected/);
    refused(planShipment({ ...DO, status: 128, state: 'COMPLETED' }, [line(1, 2)], null, NAMES), 'shipments[2].order_id', /cancelled/);
    refused(planShipment(DO, [line(1, 2, 2)], null, NAMES), 'shipments[2].items', /nothing is left/);
    refused(planShipment(DO, [line(1, 2)], [{ externalRef: 'NOPE', quantity: 1 }], NAMES), 'shipments[2].items[0].external_ref');
    // Two items of one line add up.
    refused(planShipment(DO, [line(1, 3)], [{ id: 1, quantity: 2 }, { id: 1, quantity: 2 }], NAMES), 'shipments[2].items[1].quantity', /at most 1/);
  });

  it('takes an external reference from the lines of that sku in line order', () => {
    const lines = [line(1, 2, 1, { sku: 'A' }), line(2, 2, 0, { sku: 'A' })];
    const p = planShipment(DO, lines, [{ externalRef: 'A', quantity: 2 }], NAMES);
    assert.ok(!(p instanceof DomainError));
    assert.deepEqual(p.lines.map((l) => [l.id, l.quantity, l.statusTo]), [[1, 1, 'FULFILLED'], [2, 1, 'PARTIALLY_FULFILLED']]);
    refused(planShipment(DO, lines, [{ externalRef: 'A', quantity: 4 }], NAMES), 'shipments[2].items[0].quantity', /at most 3/);
  });

  const lineArb = fc.record({ quantity: fc.integer({ min: 1, max: 6 }), shippedShare: fc.double({ min: 0, max: 1, noNaN: true }), other: fc.boolean(), cancelled: fc.boolean() });
  const world = fc.array(lineArb, { minLength: 1, maxLength: 6 }).map((ls) =>
    ls.map((l, i) => {
      const fulfilled = Math.floor(l.quantity * l.shippedShare);
      return line(i + 1, l.quantity, fulfilled, {
        delivery_order_id: l.other ? 'do-2' : 'do-1',
        status: l.cancelled && i % 3 === 0 ? 'CANCELED' : fulfilled > 0 ? 'PARTIALLY_FULFILLED' : 'ACCEPTED',
      });
    }),
  );
  const itemsArb = fc.option(fc.array(fc.record({ id: fc.integer({ min: 1, max: 7 }), quantity: fc.integer({ min: 1, max: 7 }) }), { minLength: 1, maxLength: 6 }), { nil: null });

  it('never ships more than is left, nor from another delivery order, and ships exactly what was asked (property)', () => {
    fc.assert(
      fc.property(world, itemsArb, (lines, items) => {
        const p = planShipment(DO, lines, items as ItemRequest[] | null, NAMES);
        // The reference model: per line, asked ≤ left, the line is ours and shippable.
        const asked = new Map<number, number>();
        let ok = true;
        for (const it of items ?? []) {
          const l = lines.find((x) => x.id === it.id);
          const total = (asked.get(it.id) ?? 0) + it.quantity;
          asked.set(it.id, total);
          if (!l || l.delivery_order_id !== 'do-1' || l.status === 'CANCELED' || total > l.quantity - l.fulfilled_quantity) ok = false;
        }
        const ownLeft = lines.filter((l) => l.delivery_order_id === 'do-1' && l.status !== 'CANCELED').reduce((n, l) => n + l.quantity - l.fulfilled_quantity, 0);
        if (items === null) ok = ownLeft > 0;
        if (!ok) {
          assert.ok(p instanceof DomainError && p.code === 'BAD_USER_INPUT' && typeof p.details?.field === 'string');
          return;
        }
        assert.ok(!(p instanceof DomainError), String(p));
        for (const s of p.lines) {
          const l = lines.find((x) => x.id === s.id)!;
          assert.equal(l.delivery_order_id, 'do-1');
          assert.ok(s.quantity > 0 && s.fulfilledTo <= l.quantity && s.fulfilledTo === l.fulfilled_quantity + s.quantity);
          assert.equal(s.statusTo, s.fulfilledTo === l.quantity ? 'FULFILLED' : 'PARTIALLY_FULFILLED');
        }
        const total = p.lines.reduce((n, s) => n + s.quantity, 0);
        assert.equal(total, items === null ? ownLeft : items.reduce((n, it) => n + it.quantity, 0));
        const after = (l: PlanLine) => l.fulfilled_quantity + (p.lines.find((s) => s.id === l.id)?.quantity ?? 0);
        assert.equal(p.allShipped, lines.filter((l) => l.delivery_order_id === 'do-1' && l.status !== 'CANCELED').every((l) => after(l) === l.quantity));
      }),
      { numRuns: 500 },
    );
  });
});

describe('shipmentInputRefusal', () => {
  it('refuses quantities ≤ 0, non-http(s) tracking URLs, long text, future dates and ambiguous items', () => {
    refused(shipmentInputRefusal({ items: [{ id: 1, quantity: 0 }] }, NAMES, NOW), 'shipments[2].items[0].quantity', /positive integer/);
    refused(shipmentInputRefusal({ items: [{ id: 1, quantity: -2 }] }, NAMES, NOW), 'shipments[2].items[0].quantity');
    refused(shipmentInputRefusal({ items: [] }, NAMES, NOW), 'shipments[2].items');
    refused(shipmentInputRefusal({ items: [{ id: 1, externalRef: 'A', quantity: 1 }] }, NAMES, NOW), 'shipments[2].items[0]');
    for (const url of ['javascript:alert(1)', 'ftp://x.example/a', '/relative', 'not a url', 'file:///etc/passwd']) {
      refused(shipmentInputRefusal({ trackingUrl: url }, NAMES, NOW), 'shipments[2].tracking_url', /http\(s\)/);
    }
    refused(shipmentInputRefusal({ carrier: 'x'.repeat(256) }, NAMES, NOW), 'shipments[2].shipping_carrier');
    refused(shipmentInputRefusal({ shippedAt: '2026-12-05T12:00:00Z' }, NAMES, NOW), 'shipments[2].shipped_at', /future/);
    refused(shipmentInputRefusal({ weight: -1 }, NAMES, NOW), 'shipments[2].weight');
    assert.equal(shipmentInputRefusal({ trackingUrl: 'https://t.example/track?c=1', items: [{ externalRef: 'A', quantity: 3 }], shippedAt: '2026-12-03T10:00:00Z' }, NAMES, NOW), undefined);
  });

  it('accepts exactly the absolute http(s) URLs (property)', () => {
    // fc.webUrl is slow to generate: a few dozen cover its shapes (schemes, hosts, ports, paths, queries).
    fc.assert(fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (u) => assert.equal(isHttpUrl(u), true)), { numRuns: 40 });
    fc.assert(fc.property(fc.string(), (s) => assert.equal(isHttpUrl(s), /^https?:\/\//i.test(s) && URL.canParse(s) && new URL(s).hostname !== '')));
  });
});

describe('lineStatusWith (a delivery order status change over shipped lines)', () => {
  it('keeps a shipped line PARTIALLY_FULFILLED or FULFILLED while production moves on; dispatch, cancel and reject still apply', () => {
    assert.equal(lineStatusWith({ quantity: 3, fulfilled_quantity: 1 }, 'IN_PROGRESS'), 'PARTIALLY_FULFILLED');
    assert.equal(lineStatusWith({ quantity: 3, fulfilled_quantity: 3 }, 'ACCEPTED'), 'FULFILLED');
    assert.equal(lineStatusWith({ quantity: 3, fulfilled_quantity: 0 }, 'IN_PROGRESS'), 'IN_PROGRESS');
    for (const s of ['FULFILLED', 'CANCELED', 'REJECTED'] as const) assert.equal(lineStatusWith({ quantity: 3, fulfilled_quantity: 1 }, s), s);
  });
});
