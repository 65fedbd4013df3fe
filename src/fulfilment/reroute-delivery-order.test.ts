import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rerouteRefusal } from './reroute-delivery-order.ts';
import { fulfillmentEvent } from './delivery-order-queries.ts';

const part = (over: Partial<Parameters<typeof rerouteRefusal>[0]> = {}) => ({
  number: 7, state: 'REJECTED' as const, status: 1, supplier_id: 's1', rerouted_to: null, ...over,
});

describe('rerouteRefusal', () => {
  it('lets a REJECTED, not yet rerouted delivery order go to another supplier', () => {
    assert.equal(rerouteRefusal(part(), 's2'), undefined);
  });
  it('refuses any other state, naming `id` and the rule', () => {
    for (const state of ['PENDING', 'OPENED', 'COMPLETED'] as const) {
      const e = rerouteRefusal(part({ state }), 's2');
      assert.equal(e?.code, 'INVALID_STATUS_TRANSITION');
      assert.match(e!.message, /`id`: delivery order 7 is .* only a REJECTED delivery order can be rerouted/);
    }
  });
  it('refuses a second reroute, and the supplier that rejected it', () => {
    assert.equal(rerouteRefusal(part({ rerouted_to: 'x' }), 's2')?.code, 'INVALID_STATUS_TRANSITION');
    const same = rerouteRefusal(part(), 's1');
    assert.equal(same?.code, 'BAD_USER_INPUT');
    assert.match(same!.message, /`supplierId` must be another supplier/);
  });
});

describe('fulfillmentEvent', () => {
  const row = (action: string, changes: Record<string, unknown>) => ({
    id: '1', deliveryOrderId: 'd', action, clientId: null, requestId: null, createdAt: '2026-12-03T10:00:00.000Z',
    changes: Object.entries(changes).map(([field, to]) => ({ field, from: null, to })),
  });
  it('names the steps as HappyColis does, with the reason or note as the message', () => {
    assert.deepEqual(fulfillmentEvent(row('delivery-order-created', { number: 7 })), {
      type: 'FULFILLMENT_REQUESTED', level: 'NORMAL', message: null, date: '2026-12-03T10:00:00.000Z',
    });
    const rejected = fulfillmentEvent(row('rejected', { state: 'REJECTED', reason: 'out of stock' }));
    assert.deepEqual([rejected.type, rejected.level, rejected.message], ['FULFILLMENT_REJECTED', 'WARNING', 'out of stock']);
    assert.equal(fulfillmentEvent(row('status-changed', { status: 513, state: 'OPENED' })).type, 'FULFILLMENT_ACCEPTED');
    const held = fulfillmentEvent(row('status-changed', { status: 256, note: 'waiting for ink' }));
    assert.deepEqual([held.type, held.level, held.message], ['STATUS_CHANGED', 'WARNING', '256 On Hold: waiting for ink']);
    assert.equal(fulfillmentEvent(row('rerouted', { reroutedTo: 'x', supplierId: 's2' })).message, 'rerouted to supplier s2');
  });
});
