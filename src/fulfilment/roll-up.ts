/**
 * The roll-up (SPEC §8): the merchant order's `status`, `state`, `locked`, shipping fields and line statuses as a
 * pure function of its delivery orders. Nothing about them is stored as a rule of its own: every change of a
 * delivery order writes the order's columns from this function.
 */
import type { LineStatus } from '../orders/order-record.ts';
import { effectOf, STATUS } from '../orders/status-transitions.ts';

export type DeliveryOrderState = 'PENDING' | 'OPENED' | 'COMPLETED' | 'REJECTED';

/** What the roll-up reads of a delivery order. */
export interface RollUpPart {
  number: number;
  state: DeliveryOrderState;
  status: number;
  locked: number;
  /** Set once a REJECTED delivery order was rerouted: its replacement counts instead. */
  rerouted_to: string | null;
  shipping_carrier: string | null;
  shipping_method: string | null;
  shipping_tracking: string | null;
}

export interface RolledUpOrder {
  state: 'OPENED' | 'COMPLETED';
  status: number;
  locked: number;
  shipping_carrier: string | null;
  shipping_method: string | null;
  shipping_tracking: string | null;
}

// How far along the path a status is; pauses rank lowest, so an order shows On Hold or QC Query while any part is.
const RANK: Readonly<Record<number, number>> = {
  [STATUS.ON_HOLD]: 0,
  [STATUS.QC_QUERY]: 0,
  [STATUS.UNKNOWN]: 1,
  [STATUS.RECEIVED]: 2,
  [STATUS.SENT_TO_SUPPLIER]: 3,
  [STATUS.RECEIVED_BY_SUPPLIER]: 4,
  [STATUS.IN_PRODUCTION]: 5,
  [STATUS.PENDING_DISPATCH]: 6,
  [STATUS.SENT_TO_SHIPPER]: 7,
  [STATUS.RECEIVED_BY_SHIPPER]: 8,
  [STATUS.DISPATCHED]: 9,
  [STATUS.DISPATCHED_RETAILER_NOTIFIED]: 10,
  [STATUS.CANCELLED]: 11,
};
const rank = (status: number) => RANK[status] ?? 1;

/** A delivery order counts until it is rerouted (a REJECTED one that is not yet rerouted still holds the order open). */
export function isLive(part: Pick<RollUpPart, 'rerouted_to'>): boolean {
  return part.rerouted_to === null;
}

/** Dispatched or cancelled: nothing more will happen to it. */
function isDone(part: RollUpPart): boolean {
  return part.state !== 'REJECTED' && (part.status === STATUS.DISPATCHED || part.status === STATUS.DISPATCHED_RETAILER_NOTIFIED || part.status === STATUS.CANCELLED);
}

/** The state a delivery order has at `status`: PENDING until the supplier received it (513), COMPLETED once final. */
export function deliveryOrderState(status: number, current: DeliveryOrderState): DeliveryOrderState {
  if (current === 'REJECTED') return current;
  if (status === STATUS.DISPATCHED || status === STATUS.DISPATCHED_RETAILER_NOTIFIED || status === STATUS.CANCELLED) return 'COMPLETED';
  if (status === STATUS.ON_HOLD || status === STATUS.QC_QUERY) return current;
  if (status === STATUS.UNKNOWN || status === STATUS.RECEIVED || status === STATUS.SENT_TO_SUPPLIER) return 'PENDING';
  return 'OPENED';
}

/**
 * The status a delivery order's lines have: REJECTED with it, else what its status does to lines. A status with no
 * effect on lines (On Hold, QC Query) keeps what production started: IN_PROGRESS once locked, ACCEPTED before.
 */
export function lineStatusOf(part: Pick<RollUpPart, 'state' | 'status' | 'locked'>): LineStatus {
  if (part.state === 'REJECTED') return 'REJECTED';
  return effectOf(part.status).lines ?? (part.locked === 1 ? 'IN_PROGRESS' : 'ACCEPTED');
}

/** The statuses a delivery order's status gives lines that a shipment's units (fulfilledQuantity) speak over. */
export const BEFORE_SHIPPED: ReadonlySet<LineStatus> = new Set(['ACCEPTED', 'IN_PROGRESS']);

/**
 * The status a line takes when its delivery order's lines take `status`: a line with units shipped keeps
 * PARTIALLY_FULFILLED or FULFILLED while its delivery order merely moves along production (SPEC §8).
 */
export function lineStatusWith(line: { quantity: number; fulfilled_quantity: number }, status: LineStatus): LineStatus {
  if (line.fulfilled_quantity === 0 || !BEFORE_SHIPPED.has(status)) return status;
  return line.fulfilled_quantity >= line.quantity ? 'FULFILLED' : 'PARTIALLY_FULFILLED';
}

/**
 * The order from its delivery orders (at least one). Status: the least advanced live part that is neither
 * cancelled nor rejected; else a rejected one's; else 128. COMPLETED when every live part is dispatched or
 * cancelled. Locked once any part was locked (production started). Shipping fields: the first live part's that has any.
 */
export function rollUp(parts: readonly RollUpPart[]): RolledUpOrder {
  const live = parts.filter(isLive);
  const working = live.filter((p) => p.state !== 'REJECTED' && p.status !== STATUS.CANCELLED);
  const rejected = live.filter((p) => p.state === 'REJECTED');
  const pick = working.length > 0 ? working : rejected;
  let status: number = STATUS.CANCELLED;
  for (const p of pick) if (status === STATUS.CANCELLED || rank(p.status) < rank(status)) status = p.status;
  const shipping = [...live].sort((a, b) => a.number - b.number).find((p) => p.shipping_carrier ?? p.shipping_method ?? p.shipping_tracking);
  return {
    state: live.length > 0 && live.every(isDone) ? 'COMPLETED' : 'OPENED',
    status,
    locked: parts.some((p) => p.locked === 1) ? 1 : 0,
    shipping_carrier: shipping?.shipping_carrier ?? null,
    shipping_method: shipping?.shipping_method ?? null,
    shipping_tracking: shipping?.shipping_tracking ?? null,
  };
}
