/**
 * `diffPatch`: what a merchant patch changes (the history entry and the columns to set), property-based over
 * random orders and patches: a field given with the value it has is no change, one with another value is
 * exactly one `{from, to}` and one column, an absent one is left alone; delivery merges; lines compare as a list.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LineFields, OrderFields, OrderPatch } from './order-input.ts';
import { FIELD_COLUMNS, type LineRow, type OrderRow } from './order-record.ts';
import { diffPatch } from './patch-diff.ts';

function orderRow(over: Partial<OrderRow> = {}): OrderRow {
  return {
    id: 'o1', number: 1, organization_id: 'm1', supplier_id: null, external_reference: 'REF-1', state: 'DRAFT', status: 0,
    invoice_number: null, type: null, dispatching_type: null, priority: 'NORMAL', inventory_policy: null, total: 10,
    total_tax_inclusive: 12, total_shipping: 0, currency: 'EUR', issued_at: null, delivery: JSON.stringify({ city: 'Lyon', zipcode: '69001' }),
    comment: 'hello', shipping_carrier: null, shipping_method: null, shipping_tracking: null, locked: 0, version: 1,
    created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', ...over,
  };
}

const lineRow = (l: LineFields, i: number): LineRow =>
  ({ id: i + 1, order_id: 'o1', organization_id: 'm1', position: i, sku: l.sku, label: l.label, quantity: l.quantity, price: l.price, vat_rate: l.vatRate, status: 'PENDING' }) as LineRow;

const TEXT_FIELDS = ['externalReference', 'invoiceNumber', 'type', 'dispatchingType', 'priority', 'inventoryPolicy', 'currency', 'issuedAt', 'comment'] as const;
const NUMBER_FIELDS = ['total', 'totalTaxInclusive', 'totalShipping'] as const;

const line = fc.record({
  sku: fc.option(fc.string({ maxLength: 4 }), { nil: null }),
  label: fc.option(fc.string({ maxLength: 4 }), { nil: null }),
  quantity: fc.integer({ min: 1, max: 3 }),
  price: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
  vatRate: fc.option(fc.constantFrom(0, 20), { nil: null }),
});

/** Values drawn from a small set, so that a patch often repeats what the order has. */
const fields = fc.record(
  {
    ...Object.fromEntries(TEXT_FIELDS.map((f) => [f, fc.option(fc.constantFrom('a', 'b'), { nil: null })])),
    ...Object.fromEntries(NUMBER_FIELDS.map((f) => [f, fc.option(fc.constantFrom(0, 1.5), { nil: null })])),
  } as Record<keyof OrderFields, fc.Arbitrary<string | number | null>>,
  { requiredKeys: [] },
) as fc.Arbitrary<OrderFields>;

describe('diffPatch', () => {
  it('scalar fields: a change is exactly a differing given field, with its column set (property)', () => {
    fc.assert(
      fc.property(fields, fields, (current, patchFields) => {
        const row = orderRow(Object.fromEntries(Object.entries(current).map(([f, v]) => [FIELD_COLUMNS[f as keyof typeof FIELD_COLUMNS], v])));
        const { changes, set, lines } = diffPatch(row, undefined, { fields: patchFields });
        assert.equal(lines, undefined);
        const expected = Object.entries(patchFields).filter(([f, v]) => row[FIELD_COLUMNS[f as keyof typeof FIELD_COLUMNS]] !== v);
        assert.deepEqual(changes, Object.fromEntries(expected.map(([f, v]) => [f, { from: row[FIELD_COLUMNS[f as keyof typeof FIELD_COLUMNS]], to: v }])));
        assert.deepEqual(set, Object.fromEntries(expected.map(([f, v]) => [FIELD_COLUMNS[f as keyof typeof FIELD_COLUMNS], v])));
      }),
    );
  });

  it('an empty patch, or one repeating the order, changes nothing', () => {
    assert.deepEqual(diffPatch(orderRow(), undefined, { fields: {} }), { changes: {}, set: {} });
    const same: OrderPatch = { fields: { comment: 'hello', total: 10, currency: 'EUR' }, delivery: { city: 'Lyon' } };
    assert.deepEqual(diffPatch(orderRow(), undefined, same), { changes: {}, set: {} });
  });

  it('null clears a field; undefined and null are the same stored value', () => {
    const { changes, set } = diffPatch(orderRow(), undefined, { fields: { comment: null, invoiceNumber: null } });
    assert.deepEqual(changes, { comment: { from: 'hello', to: null } });
    assert.deepEqual(set, { comment: null });
  });

  it('delivery is merged into the current one; null clears it', () => {
    const merged = diffPatch(orderRow(), undefined, { fields: {}, delivery: { city: 'Nantes', phone: '+33 1' } });
    assert.deepEqual(merged.changes.delivery, { from: { city: 'Lyon', zipcode: '69001' }, to: { city: 'Nantes', zipcode: '69001', phone: '+33 1' } });
    assert.deepEqual(JSON.parse(merged.set.delivery as string), { city: 'Nantes', zipcode: '69001', phone: '+33 1' });
    const cleared = diffPatch(orderRow(), undefined, { fields: {}, delivery: null });
    assert.deepEqual(cleared.changes.delivery, { from: { city: 'Lyon', zipcode: '69001' }, to: null });
    assert.equal(cleared.set.delivery, null);
    assert.deepEqual(diffPatch(orderRow({ delivery: null }), undefined, { fields: {}, delivery: null }).changes, {});
    const fresh = diffPatch(orderRow({ delivery: null }), undefined, { fields: {}, delivery: { city: 'Paris' } });
    assert.deepEqual(fresh.changes.delivery, { from: null, to: { city: 'Paris' } });
  });

  it('lines: replaced exactly when the list differs, as a whole (property)', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 3 }), fc.array(line, { minLength: 1, maxLength: 3 }), (drawnCurrent, drawnNext) => {
        const [current, next] = [drawnCurrent, drawnNext].map((ls) => ls.map((l) => ({ ...l }))); // plain objects
        const { changes, set, lines } = diffPatch(orderRow(), current.map(lineRow), { fields: {}, lines: next });
        assert.deepEqual(set, {}, 'lines are not a column of the order');
        if (JSON.stringify(current) === JSON.stringify(next)) {
          assert.equal(lines, undefined);
          assert.deepEqual(changes, {});
        } else {
          assert.deepEqual(lines, next);
          assert.deepEqual(changes, { lines: { from: current, to: next } });
        }
      }),
    );
  });

  it('the same lines again (ids and statuses aside) are no change', () => {
    const current: LineFields[] = [{ sku: 'A', label: 'Shirt', quantity: 2, price: 10, vatRate: 20 }];
    assert.deepEqual(diffPatch(orderRow(), current.map(lineRow), { fields: {}, lines: current }), { changes: {}, set: {} });
  });
});
