/**
 * What a simulated print shop does with one delivery order, decided up front as a list of steps: a pure function
 * of (seed, delivery order number, fault rates), so a replay with the same seed takes the same path, draws the
 * same faults and writes the same tracking numbers. sandbox-steps.ts runs one step per job, through the
 * fulfiller dialect's commands; each step waits `afterMs` (divided by the supplier's speed) after the one before.
 *
 * The happy path: 513 Received by Supplier → 4 In Production → 517 Pending Dispatch → a parcel (the shipment of
 * the last units moves the order to 8 Dispatched) → carrier events up to DELIVERED. Faults: a rejection instead
 * of 513; On Hold (256) after 513 and back; QC Query (32) during production and back; a partial first parcel and
 * a second one. Refused cancellations are not planned: they answer a merchant's request (sandbox-cancel.ts).
 */
import { STATUS } from '../orders/status-transitions.ts';
import { CARRIERS } from './sandbox-carriers.ts';
import { HOLDS, QC_QUERIES, REJECTIONS, type Fault, type FaultRates } from './sandbox-faults.ts';
import { draw, pick } from './sandbox-random.ts';

export interface Parcel {
  carrier: string;
  method: string;
  trackingNumber: string;
  trackingUrl: string;
}

export type Step =
  | { kind: 'reject'; reason: string; reasonCode: string }
  /** `resume`: the end of a pause, back to the status the pause interrupted (`status` if none is known). */
  | { kind: 'status'; status: number; note?: string; resume?: true }
  /** `half`: the first parcel of a partial shipment (half the lines, or half the units of a single line). */
  | { kind: 'ship'; parcel: number; half: boolean; with: Parcel }
  | { kind: 'track'; parcel: number; event: string; message: string; city?: string; country?: string };

export interface PlannedStep {
  step: Step;
  /** How long after the previous step (or the routing) this one runs, at speed 1. */
  afterMs: number;
}

/** The happy path in order (status-transitions.ts's forward order). */
const FORWARD: readonly number[] = [0, 1, 512, 513, 4, 517, 515, 516, 8, 64];

/** On Hold or QC Query: an interruption of the path, not a step on it. */
export function isPause(status: number): boolean {
  return status === STATUS.ON_HOLD || status === STATUS.QC_QUERY;
}

/** True when `current` is further along the path than `target` (a forward step to it would go back). */
export function alreadyPast(current: number, target: number): boolean {
  const [c, t] = [FORWARD.indexOf(current), FORWARD.indexOf(target)];
  return c >= 0 && t >= 0 && c > t;
}

/** Whether `fault` happens to this delivery order: a rate of 1 always, 0 never. */
export function happens(seed: string, number: number, rates: FaultRates, fault: Fault): boolean {
  return draw(seed, number, fault) < rates[fault];
}

function carrierEvents(parcel: number, hub: { city: string; country: string }): Step[] {
  return [
    { kind: 'track', parcel, event: 'INFO_RECEIVED', message: 'Shipment information received by the carrier' },
    { kind: 'track', parcel, event: 'IN_TRANSIT', message: 'Departed the sorting hub', ...hub },
    { kind: 'track', parcel, event: 'OUT_FOR_DELIVERY', message: 'Out for delivery with the courier' },
    { kind: 'track', parcel, event: 'DELIVERED', message: 'Delivered to the recipient' },
  ];
}

/** Base delays at speed 1, by step: seconds apart, as a quick print shop and carrier would look in a demo. */
function baseDelay(step: Step): number {
  if (step.kind === 'track') return 3000;
  if (step.kind === 'status' && step.resume) return 4000;
  return step.kind === 'status' && step.status === STATUS.IN_PRODUCTION ? 3000 : 2000;
}

export function sandboxPlan(seed: string, number: number, rates: FaultRates): PlannedStep[] {
  const steps: Step[] = [];
  if (happens(seed, number, rates, 'reject')) {
    const r = pick(seed, number, 'reject:reason', REJECTIONS);
    steps.push({ kind: 'reject', reason: r.reason, reasonCode: r.code });
  } else {
    steps.push({ kind: 'status', status: STATUS.RECEIVED_BY_SUPPLIER });
    if (happens(seed, number, rates, 'hold')) {
      const [note, lifted] = pick(seed, number, 'hold:note', HOLDS);
      steps.push({ kind: 'status', status: STATUS.ON_HOLD, note }, { kind: 'status', status: STATUS.RECEIVED_BY_SUPPLIER, note: lifted, resume: true });
    }
    steps.push({ kind: 'status', status: STATUS.IN_PRODUCTION });
    if (happens(seed, number, rates, 'qc')) {
      const [note, passed] = pick(seed, number, 'qc:note', QC_QUERIES);
      steps.push({ kind: 'status', status: STATUS.QC_QUERY, note }, { kind: 'status', status: STATUS.IN_PRODUCTION, note: passed, resume: true });
    }
    steps.push({ kind: 'status', status: STATUS.PENDING_DISPATCH });
    const carrier = pick(seed, number, 'carrier', CARRIERS);
    const parcel = (p: number): Parcel => {
      const trackingNumber = carrier.trackingNumber(seed, number, p);
      return { carrier: carrier.name, method: carrier.method, trackingNumber, trackingUrl: carrier.trackingUrl(trackingNumber) };
    };
    const [first, ...rest] = carrierEvents(0, carrier.hub);
    if (happens(seed, number, rates, 'partial')) {
      // The second parcel leaves while the first is on its way.
      steps.push({ kind: 'ship', parcel: 0, half: true, with: parcel(0) }, first, rest[0]);
      steps.push({ kind: 'ship', parcel: 1, half: false, with: parcel(1) }, ...rest.slice(1), ...carrierEvents(1, carrier.hub));
    } else {
      steps.push({ kind: 'ship', parcel: 0, half: false, with: parcel(0) }, first, ...rest);
    }
  }
  // ±25 % around each base delay, so that a demo's orders do not move in lockstep.
  return steps.map((step, i) => ({ step, afterMs: Math.round(baseDelay(step) * (0.75 + 0.5 * draw(seed, number, `delay:${i}`))) }));
}
