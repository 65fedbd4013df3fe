/**
 * A carrier event on a shipment (HappyColis `shipmentAddEvent`), as a pure rule: which events exist, which dates
 * are believable, and what the event does to the shipment (`lastEvent` is the event with the latest date; the
 * shipment is COMPLETED once delivered, returned to its sender or expired, and stays so).
 */
import { badInput, type DomainError } from '../errors/domain-error.ts';
import { MAX_FUTURE_MS, MAX_TEXT } from './shipment-plan.ts';

/** HappyColis's ShippingEventEnum, in the order a parcel usually meets them. */
export const SHIPPING_EVENTS = [
  'NEW',
  'INFO_RECEIVED',
  'PENDING',
  'IN_TRANSIT',
  'OUT_FOR_DELIVERY',
  'ATTEMPT_FAIL',
  'AVAILABLE_FOR_PICKUP',
  'DELIVERED',
  'DELIVERED_TO_SENDER',
  'EXCEPTION',
  'RETURNED_TO_SENDER',
  'EXPIRED',
] as const;
export type ShippingEvent = (typeof SHIPPING_EVENTS)[number];

/** The events after which nothing more happens to the parcel. */
export const FINAL_EVENTS: ReadonlySet<string> = new Set(['DELIVERED', 'DELIVERED_TO_SENDER', 'EXPIRED']);

export interface ShippingEventInput {
  event: string;
  date: string;
  message?: string | null;
  location?: string | null;
  city?: string | null;
  country?: string | null;
}

/** What the rule reads of the shipment. */
export interface EventShipment {
  state: 'OPENED' | 'COMPLETED';
  last_event: string;
  last_event_at: string;
  shipped_at: string;
}

export interface ShippingEventOutcome {
  /** The event with its date normalised to ISO 8601 UTC. */
  event: ShippingEventInput & { event: ShippingEvent; date: string };
  set: Pick<EventShipment, 'state' | 'last_event' | 'last_event_at'>;
  /** The shipment completed with this event. */
  completed: boolean;
}

const TEXT = ['message', 'location', 'city'] as const;

/** The outcome of adding `input` to `shipment` at `now` (ms), or the refusal naming the field (`input.<field>`). */
export function shippingEventChange(shipment: EventShipment, input: ShippingEventInput, now: number): ShippingEventOutcome | DomainError {
  if (!(SHIPPING_EVENTS as readonly string[]).includes(input.event)) {
    return badInput('input.event', `must be one of ${SHIPPING_EVENTS.join(', ')}`);
  }
  const t = Date.parse(input.date);
  if (Number.isNaN(t)) return badInput('input.date', 'must be an ISO 8601 date-time');
  if (t > now + MAX_FUTURE_MS) return badInput('input.date', 'must not be more than one day in the future');
  if (t < Date.parse(shipment.shipped_at)) return badInput('input.date', `must not be before the shipment left (${shipment.shipped_at})`);
  for (const k of TEXT) {
    const v = input[k];
    if (typeof v === 'string' && v.length > MAX_TEXT) return badInput(`input.${k}`, `must be at most ${MAX_TEXT} characters`);
  }
  if (input.country != null && !/^[A-Z]{2}$/.test(input.country)) return badInput('input.country', 'must be an ISO 3166-1 alpha-2 code, e.g. FR');
  const date = new Date(t).toISOString();
  const event = { ...input, event: input.event as ShippingEvent, date };
  // A late report of an earlier scan is kept in the history but does not move the parcel back.
  const latest = date >= shipment.last_event_at;
  const lastEvent = latest ? event.event : shipment.last_event;
  const completed = shipment.state === 'OPENED' && latest && FINAL_EVENTS.has(event.event);
  return {
    event,
    set: {
      state: completed ? 'COMPLETED' : shipment.state,
      last_event: lastEvent,
      last_event_at: latest ? date : shipment.last_event_at,
    },
    completed,
  };
}
