import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shipmentCallback, statusCallback, type OrderSnapshot } from './kornitx-bodies.ts';

const order = (lines: OrderSnapshot['lines'], status = 4): OrderSnapshot => ({
  id: 'ord-1',
  number: 7,
  externalReference: 'EXT-7',
  status,
  statusName: 'In Production',
  shippingCarrier: 'Hermes',
  lines,
});

describe('KornitX status callbacks', () => {
  it('lists a cancelled line once: not again in a later callback', () => {
    const first = statusCallback(order([{ id: '1', sku: 'A', quantity: 2, status: 'CANCELED' }, { id: '2', sku: 'B', quantity: 1, status: 'ACCEPTED' }], 128), undefined);
    assert.deepEqual(first.new_cancellations, [{ id: 1, external_ref: 'A', quantity: 2 }]);
    assert.deepEqual([first.id, first.ref, first.external_ref, first.status, first.new_shipments], [7, 'ord-1', 'EXT-7', 128, []]);
    const previous = order([{ id: '1', sku: 'A', quantity: 2, status: 'CANCELED' }]);
    const next = statusCallback(order([{ id: '1', sku: 'A', quantity: 2, status: 'CANCELED' }, { id: '2', sku: 'B', quantity: 1, status: 'CANCELED' }], 128), previous);
    assert.deepEqual(next.new_cancellations, [{ id: 2, external_ref: 'B', quantity: 1 }]);
  });

  it("a parcel's callback lists that parcel, item by item, with the order's status", () => {
    const body = shipmentCallback(order([]), { tracking: 'T1', trackingUrl: 'https://t.example/T1', details: [{ sku: 'A', quantity: 1, orderLineId: '1' }] });
    assert.deepEqual(body.new_shipments, [{ tracking: 'T1', tracking_url: 'https://t.example/T1', items: [{ id: 1, external_ref: 'A', quantity: 1 }] }]);
    assert.deepEqual([body.status, body.shipping_carrier, body.new_cancellations], [4, 'Hermes', []]);
  });
});
