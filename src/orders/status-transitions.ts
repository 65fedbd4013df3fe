// Fulfilment status catalogue and transition rules (KornitX-style codes).
// Pure data + functions: callers decide what to do with a refusal.

/** Human names of every fulfilment status code, as shown to merchants and fulfillers. */
export const STATUS_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: 'Unknown',
  1: 'Received',
  4: 'In Production',
  8: 'Dispatched',
  32: 'QC Query',
  64: 'Dispatched (Retailer Notified)',
  128: 'Cancelled',
  256: 'On Hold',
  512: 'Sent to Supplier',
  513: 'Received by Supplier',
  515: 'Sent to Shipper',
  516: 'Received by Shipper',
  517: 'Pending Dispatch',
});

/** The status codes by name, so rules read as words rather than bare numbers. */
export const STATUS = Object.freeze({
  UNKNOWN: 0,
  RECEIVED: 1,
  IN_PRODUCTION: 4,
  DISPATCHED: 8,
  QC_QUERY: 32,
  DISPATCHED_RETAILER_NOTIFIED: 64,
  CANCELLED: 128,
  ON_HOLD: 256,
  SENT_TO_SUPPLIER: 512,
  RECEIVED_BY_SUPPLIER: 513,
  SENT_TO_SHIPPER: 515,
  RECEIVED_BY_SHIPPER: 516,
  PENDING_DISPATCH: 517,
} as const);

/** Every catalogue code, ascending, for validation messages and exhaustive iteration. */
export const STATUS_CODES: readonly number[] = Object.freeze(
  Object.keys(STATUS_NAMES)
    .map(Number)
    .sort((a, b) => a - b),
);

const KNOWN = new Set(STATUS_CODES);

// The happy path in order; 0 (Unknown) sits before it so an order of unknown state can go anywhere forward.
const FORWARD_ORDER: readonly number[] = [0, 1, 512, 513, 4, 517, 515, 516, 8, 64];
// Statuses from which work can still continue (and which holds/queries may return to).
const OPEN = new Set([1, 512, 513, 4, 517, 515, 516, 256, 32]);
// On Hold and QC Query interrupt the path rather than being a step on it.
const PAUSES = new Set([256, 32]);
const FINAL = new Set([8, 64, 128]);

/** True when `code` is one of the fulfilment statuses in the catalogue. */
export function isStatusCode(code: number): boolean {
  return KNOWN.has(code);
}

/** Display name of a status; 'Unknown' for codes outside the catalogue so callers never print undefined. */
export function statusName(code: number): string {
  return isStatusCode(code) ? STATUS_NAMES[code] : 'Unknown';
}

const label = (code: number): string => `${code} ${statusName(code)}`;

// The reason a move is refused, or undefined when allowed. Checks run from most to least specific.
const VALID = `valid codes are ${STATUS_CODES.join(', ')}`;

function refusal(from: number, to: number): string | undefined {
  if (!isStatusCode(to)) return `${to} is not a fulfilment status (${VALID})`;
  if (!isStatusCode(from)) return `current status ${from} is not a fulfilment status (${VALID})`;
  if (from === to) return undefined; // re-sending the current status is a harmless no-op
  if (to === 0) return 'nothing may move back to Unknown';
  if (from === 8) return to === 64 ? undefined : `nothing leaves Dispatched except to ${label(64)}`;
  if (FINAL.has(from)) return `nothing leaves ${statusName(from)}`;
  if (to === 128) return undefined; // from is not final here, so still cancellable
  if (PAUSES.has(to)) return undefined; // from is 0 or open here
  if (PAUSES.has(from)) {
    return OPEN.has(to) ? undefined : `${statusName(from)} must return to an open status before ${statusName(to)}`;
  }
  return FORWARD_ORDER.indexOf(to) > FORWARD_ORDER.indexOf(from)
    ? undefined
    : 'backward moves along the fulfilment path are not allowed';
}

/** Whether an order may move from status `from` to status `to`. */
export function canTransition(from: number, to: number): boolean {
  return refusal(from, to) === undefined;
}

/** Why a move is refused, naming both statuses with code and name, e.g. 'cannot move from 8 Dispatched to 4 In Production: nothing leaves Dispatched except to 64 Dispatched (Retailer Notified)'; undefined when allowed. Unknown target codes → message saying the code is not a fulfilment status and listing valid codes. */
export function transitionError(from: number, to: number): string | undefined {
  const reason = refusal(from, to);
  return reason === undefined ? undefined : `cannot move from ${label(from)} to ${label(to)}: ${reason}`;
}

/** The effect of reaching `status` on the merchant order's lines and state. */
export type LineEffect = 'IN_PROGRESS' | 'FULFILLED' | 'CANCELED' | undefined;

type Effect = { lines: LineEffect; locks: boolean; completes: boolean };

const IN_PROGRESS: Effect = Object.freeze({ lines: 'IN_PROGRESS', locks: true, completes: false });
const FULFILLED: Effect = Object.freeze({ lines: 'FULFILLED', locks: true, completes: true });
const CANCELED: Effect = Object.freeze({ lines: 'CANCELED', locks: false, completes: true });
const NO_EFFECT: Effect = Object.freeze({ lines: undefined, locks: false, completes: false });

// Once production starts the merchant can no longer edit the order; dispatch/cancel complete it.
const EFFECTS: ReadonlyMap<number, Effect> = new Map([
  [4, IN_PROGRESS],
  [517, IN_PROGRESS],
  [515, IN_PROGRESS],
  [516, IN_PROGRESS],
  [8, FULFILLED],
  [64, FULFILLED],
  [128, CANCELED],
]);

/** What reaching `status` does to the merchant order: line status, edit lock, completion. */
export function effectOf(status: number): { lines: LineEffect; locks: boolean; completes: boolean } {
  return { ...(EFFECTS.get(status) ?? NO_EFFECT) };
}

/** True for statuses that end fulfilment (Dispatched, Dispatched (Retailer Notified), Cancelled). */
export function isFinal(status: number): boolean {
  return FINAL.has(status);
}
