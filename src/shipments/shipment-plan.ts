/**
 * What a shipment may carry (SPEC §8), as pure functions both dialects and the bulk path use: the input's own
 * rules (`shipmentInputRefusal`: quantities, tracking URL, lengths, dates) and what is left to ship of a delivery
 * order's lines (`planShipment`: remaining units per line, items of this delivery order only, none from a
 * cancelled or rejected one). A refusal is a BAD_USER_INPUT naming the field in the caller's dialect.
 */
import { badInput, type DomainError } from '../errors/domain-error.ts';
import type { LineStatus } from '../orders/order-record.ts';
import { STATUS } from '../orders/status-transitions.ts';
import type { DeliveryOrderState } from '../fulfilment/roll-up.ts';

/** An item of a shipment as asked: a line by id, or by external reference (the sku), and a quantity. */
export interface ItemRequest {
  id?: number | null;
  externalRef?: string | null;
  quantity: number;
}

/** A shipment as asked, in domain names. */
export interface ShipmentRequest {
  items?: Array<ItemRequest | null> | null;
  carrier?: string | null;
  method?: string | null;
  trackingNumber?: string | null;
  trackingUrl?: string | null;
  reference?: string | null;
  weight?: number | null;
  shippedAt?: string | null;
}

/** How the caller's dialect names each field, for messages: `shipments[3].items[0].quantity` or `input.details[0].quantity`. */
export interface FieldNames {
  /** The shipment: `shipments[3]` or `input`. */
  at: string;
  target: string;
  /** The other way to name the delivery order (`order_external_ref`), or the same name when there is one. */
  targetRef: string;
  items: string;
  itemId: string;
  itemRef: string;
  carrier: string;
  method: string;
  trackingNumber: string;
  trackingUrl: string;
  reference: string;
  weight: string;
  shippedAt: string;
}

export const MAX_TEXT = 255;
/** A shipped_at this far in the future is a mistake (a clock or a time zone), not a plan. */
export const MAX_FUTURE_MS = 24 * 3600 * 1000;

const TEXT_FIELDS = ['carrier', 'method', 'trackingNumber', 'reference'] as const;

/** True for an absolute http(s) URL. */
export function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const u = new URL(value);
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
}

/** The input's own rules (before any delivery order is read); the first refusal, or undefined. */
export function shipmentInputRefusal(r: ShipmentRequest, names: FieldNames, now: number): DomainError | undefined {
  const f = (field: string) => `${names.at}.${field}`;
  for (const k of TEXT_FIELDS) {
    const v = r[k];
    if (typeof v === 'string' && v.length > MAX_TEXT) return badInput(f(names[k]), `must be at most ${MAX_TEXT} characters`);
  }
  if (r.trackingUrl != null && (r.trackingUrl.length > 2048 || !isHttpUrl(r.trackingUrl))) {
    return badInput(f(names.trackingUrl), 'must be an absolute http(s) URL of at most 2,048 characters');
  }
  if (r.weight != null && !(Number.isFinite(r.weight) && r.weight >= 0)) return badInput(f(names.weight), 'must be a number of kilograms ≥ 0');
  if (r.shippedAt != null) {
    const t = Date.parse(r.shippedAt);
    if (Number.isNaN(t)) return badInput(f(names.shippedAt), 'must be an ISO 8601 date-time');
    if (t > now + MAX_FUTURE_MS) return badInput(f(names.shippedAt), 'must not be more than one day in the future');
  }
  if (r.items) {
    if (r.items.length === 0) return badInput(f(names.items), 'must list at least one item (omit it to ship every unit left)');
    for (let j = 0; j < r.items.length; j++) {
      const it = r.items[j];
      const at = `${f(names.items)}[${j}]`;
      if (it == null) return badInput(at, 'must be an item, not null');
      if (!Number.isInteger(it.quantity) || it.quantity <= 0) return badInput(`${at}.quantity`, 'must be a positive integer');
      if ((it.id == null) === (it.externalRef == null)) return badInput(at, `must name the item by \`${names.itemId}\` or by \`${names.itemRef}\` (one of them)`);
    }
  }
  return undefined;
}

/** What the plan reads of a delivery order. */
export interface PlanDeliveryOrder {
  id: string;
  number: number;
  state: DeliveryOrderState;
  status: number;
}

/** What the plan reads of a line. */
export interface PlanLine {
  id: number;
  sku: string | null;
  quantity: number;
  fulfilled_quantity: number;
  status: string;
  delivery_order_id: string | null;
}

export interface LineShipped {
  id: number;
  quantity: number;
  fulfilledFrom: number;
  fulfilledTo: number;
  statusFrom: string;
  statusTo: LineStatus;
}

export interface ShipmentPlan {
  /** The units per line in this shipment, in line order. */
  lines: LineShipped[];
  /** Every live line of the delivery order is now entirely shipped. */
  allShipped: boolean;
}

const NOT_SHIPPABLE = new Set(['CANCELED', 'REJECTED']);
const left = (l: PlanLine) => l.quantity - l.fulfilled_quantity;

/** The status of a line with `fulfilled` units shipped; a line already FULFILLED (dispatched by status) stays so. */
export function shippedLineStatus(quantity: number, fulfilled: number, current: string): LineStatus {
  if (fulfilled >= quantity || current === 'FULFILLED') return 'FULFILLED';
  return 'PARTIALLY_FULFILLED';
}

/**
 * The shipment's units per line from the delivery order's lines (`lines`: every line of the order; those of other
 * delivery orders are refused by id). Items by external reference take from the lines of that sku in line order.
 * Items omitted: every unit left. Shipping more than is left of a line is refused at the item that goes over.
 */
export function planShipment(d: PlanDeliveryOrder, lines: readonly PlanLine[], items: ShipmentRequest['items'], names: FieldNames): ShipmentPlan | DomainError {
  const target = `${names.at}.${names.target}`;
  if (d.state === 'REJECTED') return badInput(target, `names order ${d.number}, which was rejected by its supplier: nothing can be shipped from it`);
  if (d.status === STATUS.CANCELLED) return badInput(target, `names order ${d.number}, which was cancelled: nothing can be shipped from it`);
  const own = lines.filter((l) => l.delivery_order_id === d.id);
  const shipped = new Map<number, number>();
  const leftOf = (l: PlanLine) => left(l) - (shipped.get(l.id) ?? 0);
  const add = (l: PlanLine, q: number) => shipped.set(l.id, (shipped.get(l.id) ?? 0) + q);
  if (items == null) {
    for (const l of own) if (!NOT_SHIPPABLE.has(l.status) && left(l) > 0) add(l, left(l));
    if (shipped.size === 0) return badInput(`${names.at}.${names.items}`, `is omitted, but nothing is left to ship of order ${d.number}`);
  } else {
    for (let j = 0; j < items.length; j++) {
      const it = items[j];
      const at = `${names.at}.${names.items}[${j}]`;
      if (it == null) return badInput(at, 'must be an item, not null');
      if (it.id != null) {
        const l = own.find((x) => x.id === it.id);
        if (!l) return badInput(`${at}.${names.itemId}`, `is not an item of order ${d.number}`);
        if (NOT_SHIPPABLE.has(l.status)) return badInput(`${at}.${names.itemId}`, `is ${l.status.toLowerCase()}: it cannot be shipped`);
        if (it.quantity > leftOf(l)) return badInput(`${at}.quantity`, `must be at most ${leftOf(l)}: the units of item ${l.id} left to ship`);
        add(l, it.quantity);
        continue;
      }
      const same = own.filter((x) => x.sku === it.externalRef && !NOT_SHIPPABLE.has(x.status));
      if (same.length === 0) return badInput(`${at}.${names.itemRef}`, `is not the reference of an item of order ${d.number} that can be shipped`);
      const available = same.reduce((n, l) => n + leftOf(l), 0);
      if (it.quantity > available) return badInput(`${at}.quantity`, `must be at most ${available}: the units of ${JSON.stringify(it.externalRef)} left to ship`);
      let rest = it.quantity;
      for (const l of same) {
        const q = Math.min(rest, leftOf(l));
        if (q > 0) add(l, q);
        rest -= q;
      }
    }
  }
  const planned: LineShipped[] = [];
  for (const l of own) {
    const q = shipped.get(l.id);
    if (!q) continue;
    const to = l.fulfilled_quantity + q;
    planned.push({ id: l.id, quantity: q, fulfilledFrom: l.fulfilled_quantity, fulfilledTo: to, statusFrom: l.status, statusTo: shippedLineStatus(l.quantity, to, l.status) });
  }
  const allShipped = own.every((l) => NOT_SHIPPABLE.has(l.status) || l.fulfilled_quantity + (shipped.get(l.id) ?? 0) >= l.quantity);
  return { lines: planned, allShipped };
}
