/**
 * The one rule for a fulfilment status change and its effects (lock, completion, line statuses, history entry,
 * events), as a pure function in the style of Medusa's order actions: validate, then compute. The merchant path
 * (order-changes.ts `moveStatus`) and the fulfiller bulk path (fulfiller-updates.ts) both call it and only write
 * what it returns.
 */
import { DomainError } from '../errors/domain-error.ts';
import type { FieldChanges } from './order-history.ts';
import type { LineStatus, OrderRow } from './order-record.ts';
import { effectOf, transitionError } from './status-transitions.ts';

/** The columns a status change reads and writes. */
export type StatusColumns = Pick<OrderRow, 'state' | 'status' | 'locked' | 'shipping_carrier' | 'shipping_method' | 'shipping_tracking'>;

export interface StatusChangeInput {
  status?: number | null;
  shippingCarrier?: string | null;
  shippingMethod?: string | null;
  shippingTracking?: string | null;
}

export type OrderEventType = 'order/status-changed' | 'order/completed' | 'order/updated';

export interface StatusChangeOutcome<R extends StatusColumns> {
  /** The row after the change (a new object; `version` is the caller's). */
  row: R;
  changes: FieldChanges;
  /** The status every line takes, when the change sets one. */
  lineStatus: LineStatus | undefined;
  /** The history action: the caller's name for a status move, `shipping-updated` for shipping fields only. */
  action: string;
  events: OrderEventType[];
}

const SHIPPING = [
  ['shippingCarrier', 'shipping_carrier'],
  ['shippingMethod', 'shipping_method'],
  ['shippingTracking', 'shipping_tracking'],
] as const;

/**
 * Applies `change` to `current`: the outcome, `undefined` when nothing differs, or the INVALID_STATUS_TRANSITION
 * refusal (returned, not thrown: the bulk path reports it at the order's index).
 */
export function statusChange<R extends StatusColumns>(
  current: R,
  change: StatusChangeInput,
  statusAction = 'status-changed',
): StatusChangeOutcome<R> | DomainError | undefined {
  const row = { ...current };
  const changes: FieldChanges = {};
  let lineStatus: LineStatus | undefined;
  let completes = false;
  const to = change.status;
  if (to != null && to !== row.status) {
    const refused = transitionError(row.status, to);
    if (refused) return new DomainError('INVALID_STATUS_TRANSITION', refused, { from: row.status, to });
    const effect = effectOf(to);
    changes.status = { from: row.status, to };
    row.status = to;
    if (effect.locks) row.locked = 1;
    if (effect.completes && row.state !== 'COMPLETED') {
      changes.state = { from: row.state, to: 'COMPLETED' };
      row.state = 'COMPLETED';
      completes = true;
    }
    lineStatus = effect.lines;
  }
  for (const [field, column] of SHIPPING) {
    const v = change[field];
    if (v !== undefined && v !== row[column]) {
      changes[field] = { from: row[column], to: v };
      row[column] = v;
    }
  }
  if (Object.keys(changes).length === 0) return undefined;
  const events: OrderEventType[] = changes.status ? ['order/status-changed'] : ['order/updated'];
  if (completes) events.push('order/completed');
  return { row, changes, lineStatus, action: changes.status ? statusAction : 'shipping-updated', events };
}
