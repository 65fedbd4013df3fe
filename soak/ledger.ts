/**
 * What the load generator was told: every acknowledged response, and every request whose answer was lost (the
 * server was killed under it). One lane owns each order's merchant changes and one lane its fulfiller changes,
 * and each sends them one at a time, so per field the send order is the order they apply in.
 */

/** How a change of one field ended, as far as the client knows. */
export type Outcome =
  | { kind: 'applied' } // a synchronous ACCEPTED, or a successful fulfiller update
  | { kind: 'pending'; requestId: string } // PENDING: applied if its request ends ACCEPTED
  | { kind: 'refused' } // REJECTED or an error: not applied
  | { kind: 'unknown' }; // no answer: may or may not have been applied

export interface FieldChange {
  value: string;
  outcome: Outcome;
}

export interface OrderEntry {
  id: string;
  number: number;
  /** Merchant `comment` changes, in send order. */
  comment: FieldChange[];
  /** Fulfiller `shipping_tracking` changes, in send order. */
  tracking: FieldChange[];
}

export class Ledger {
  readonly orders = new Map<string, OrderEntry>();
  /** Every request id an answer named, with what it said then and when (ms). */
  readonly requests = new Map<string, { orderId: string; state: string; at: number }>();
  readonly counts = {
    requests: 0,
    lostAnswers: 0,
    serverErrors: 0,
    creates: 0,
    syncUpdates: 0,
    asyncUpdates: 0,
    opens: 0,
    cancels: 0,
    fulfilments: 0,
    bulkCalls: 0,
    bulkOrdersUpdated: 0,
    splitOrders: 0,
    rejections: 0,
    reroutes: 0,
    shipments: 0,
  };
  readonly serverErrorSamples: string[] = [];

  addOrder(id: string, number: number): OrderEntry {
    const entry: OrderEntry = { id, number, comment: [], tracking: [] };
    this.orders.set(id, entry);
    return entry;
  }

  recordRequest(id: string, orderId: string, state: string): void {
    this.requests.set(id, { orderId, state, at: Date.now() });
  }

  serverError(what: string): void {
    this.counts.serverErrors += 1;
    if (this.serverErrorSamples.length < 10) this.serverErrorSamples.push(what.slice(0, 500));
  }
}

/**
 * The values a field may hold at the end: the last change known to be applied, or any change after it whose
 * answer was lost; `initial` when none is known to be applied. `accepted(requestId)` says how a PENDING one ended.
 */
export function allowedFinalValues(changes: FieldChange[], initial: string | null, accepted: (requestId: string) => boolean): (string | null)[] {
  let last = -1;
  changes.forEach((c, i) => {
    if (c.outcome.kind === 'applied' || (c.outcome.kind === 'pending' && accepted(c.outcome.requestId))) last = i;
  });
  const allowed: (string | null)[] = [last >= 0 ? changes[last].value : initial];
  for (let i = last + 1; i < changes.length; i++) if (changes[i].outcome.kind === 'unknown') allowed.push(changes[i].value);
  return allowed;
}
