/**
 * The effects of a change of one delivery order, and of its delivery orders on the order (the roll-up), as pure
 * functions: the fulfiller bulk path (orders/fulfiller-updates.ts) and the single-order paths
 * (delivery-order-commands.ts, the merchant's cancel and fulfilment request) compute with these and only write.
 */
import { DomainError } from '../errors/domain-error.ts';
import type { FieldChanges } from '../orders/order-history.ts';
import type { LineStatus, OrderRow } from '../orders/order-record.ts';
import { statusChange, type StatusChangeInput } from '../orders/status-change.ts';
import { STATUS, statusName } from '../orders/status-transitions.ts';
import type { EventType } from '../webhooks/outbox.ts';
import type { DeliveryOrderRow } from './delivery-order-store.ts';
import { deliveryOrderState, lineStatusOf, rollUp, type RollUpPart } from './roll-up.ts';

/** The columns of a delivery order a change reads and writes. */
export type DeliveryStatusRow = Pick<
  DeliveryOrderRow,
  'id' | 'number' | 'order_id' | 'organization_id' | 'supplier_id' | 'state' | 'status' | 'locked' | 'version'
  | 'shipping_carrier' | 'shipping_method' | 'shipping_tracking' | 'rerouted_to'
>;

export interface DeliveryOrderOutcome<R extends DeliveryStatusRow> {
  row: R;
  changes: FieldChanges;
  /** The status its lines take, when it changes. */
  lineStatus: LineStatus | undefined;
  action: string;
  events: EventType[];
}

/**
 * A status and shipping change of one delivery order (status-change.ts is the rule for the status table): its
 * state follows its status (deliveryOrderState), a REJECTED one refuses every change, and events name what happened.
 */
export function deliveryOrderChange<R extends DeliveryStatusRow>(
  current: R,
  change: StatusChangeInput,
  action = 'status-changed',
): DeliveryOrderOutcome<R> | DomainError | undefined {
  if (current.state === 'REJECTED') {
    return new DomainError('INVALID_STATUS_TRANSITION', `delivery order ${current.number} was rejected by its supplier and can no longer change`, {
      from: current.status,
    });
  }
  const outcome = statusChange(current, change, action);
  if (outcome === undefined || outcome instanceof DomainError) return outcome;
  const row = outcome.row;
  const state = deliveryOrderState(row.status, current.state);
  const changes = outcome.changes;
  delete changes.state;
  if (state !== current.state) changes.state = { from: current.state, to: state };
  row.state = state;
  const events: EventType[] = ['delivery-order/updated'];
  if (current.state === 'PENDING' && state === 'OPENED') events.push('delivery-order/accepted');
  if (state === 'COMPLETED' && current.state !== 'COMPLETED') events.push('delivery-order/completed');
  return { row, changes, lineStatus: changes.status ? lineStatusOf(row) : undefined, action: outcome.action, events };
}

/** A rejection (before status 4): REJECTED with the reason, its lines REJECTED. */
export function deliveryOrderRejection<R extends DeliveryStatusRow>(
  current: R,
  reason: string,
  reasonCode: string | null,
): DeliveryOrderOutcome<R> & { reason: string; reasonCode: string | null } | DomainError {
  if (current.state === 'REJECTED') {
    return new DomainError('INVALID_STATUS_TRANSITION', `delivery order ${current.number} is already rejected`, { from: current.status });
  }
  if (current.locked === 1 || current.state === 'COMPLETED') {
    return new DomainError(
      'INVALID_STATUS_TRANSITION',
      `delivery order ${current.number} is at ${current.status} ${statusName(current.status)}: it can be rejected only before ${STATUS.IN_PRODUCTION} ${statusName(STATUS.IN_PRODUCTION)}`,
      { from: current.status },
    );
  }
  const row = { ...current, state: 'REJECTED' as const };
  return {
    row,
    changes: { state: { from: current.state, to: 'REJECTED' }, reason: { from: null, to: reason }, ...(reasonCode ? { reasonCode: { from: null, to: reasonCode } } : {}) },
    lineStatus: 'REJECTED',
    action: 'rejected',
    events: ['delivery-order/rejected'],
    reason,
    reasonCode,
  };
}

/** The order's columns the roll-up writes. */
export type RolledUpColumns = Pick<OrderRow, 'state' | 'status' | 'locked' | 'shipping_carrier' | 'shipping_method' | 'shipping_tracking'>;

export interface OrderRollUpOutcome {
  set: Partial<RolledUpColumns>;
  events: EventType[];
}

/**
 * What the order becomes from its delivery orders (roll-up.ts), and its events: `order/status-changed` when its
 * status moved, `order/completed` when it completed, else `order/updated` (one of its delivery orders changed).
 */
export function orderRollUp(order: RolledUpColumns, parts: readonly RollUpPart[]): OrderRollUpOutcome {
  const next = rollUp(parts);
  const set: Partial<RolledUpColumns> = {};
  for (const k of ['state', 'status', 'locked', 'shipping_carrier', 'shipping_method', 'shipping_tracking'] as const) {
    if (next[k] !== order[k]) (set as Record<string, unknown>)[k] = next[k];
  }
  const events: EventType[] = [];
  if (set.status !== undefined) events.push('order/status-changed');
  if (set.state === 'COMPLETED') events.push('order/completed');
  if (events.length === 0) events.push('order/updated');
  return { set, events };
}
