/**
 * What can go wrong at a simulated print shop (SPEC §12), the rate of each (`--faults reject=0.05,qc=0.1,…`), and
 * what the shop says when it does: the reasons and notes real fulfillers write, so a merchant's integration sees
 * believable text in `rejectOrders` reasons, On Hold / QC Query notes and refused cancellations.
 */
import { badInput, type DomainError } from '../errors/domain-error.ts';

export const FAULTS = ['reject', 'qc', 'hold', 'partial', 'refuse-cancel'] as const;
export type Fault = (typeof FAULTS)[number];
export type FaultRates = Record<Fault, number>;

export const NO_FAULTS: FaultRates = Object.freeze({ reject: 0, qc: 0, hold: 0, partial: 0, 'refuse-cancel': 0 });

const FORMAT = `must be name=rate pairs separated by commas (names: ${FAULTS.join(', ')}; rates from 0 to 1), e.g. reject=0.05,partial=0.3`;

/** `reject=0.05,qc=0.1` → every rate (absent ones 0), or the refusal naming the flag and the rule. */
export function parseFaults(value: string, field = 'faults'): FaultRates | DomainError {
  const rates: FaultRates = { ...NO_FAULTS };
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z-]+)\s*=\s*([0-9.]+)$/.exec(part);
    if (!m) return badInput(field, `${FORMAT}; got "${part}"`);
    const [, name, rate] = m;
    if (!(FAULTS as readonly string[]).includes(name)) return badInput(field, `has an unknown fault "${name}"; ${FORMAT}`);
    const r = Number(rate);
    if (!(r >= 0 && r <= 1)) return badInput(field, `rate of ${name} must be from 0 to 1; got "${rate}"`);
    rates[name as Fault] = r;
  }
  return rates;
}

/** `reject=0.05,qc=0.1` again, listing only the faults that can happen ('none' when none can). */
export function faultsText(rates: FaultRates): string {
  return FAULTS.filter((f) => rates[f] > 0).map((f) => `${f}=${rates[f]}`).join(',') || 'none';
}

/** Why a print shop refuses an order before production (`rejectOrders` reason and reason_code). */
export const REJECTIONS = [
  { code: 'ARTWORK_RESOLUTION', reason: 'Artwork resolution too low to print: 72 dpi supplied, 300 dpi needed at this print size' },
  { code: 'OUT_OF_STOCK', reason: 'Blank product out of stock at this print site; no restock expected within 14 days' },
  { code: 'ADDRESS_UNSERVICEABLE', reason: 'Delivery address is outside the carrier network of this print site' },
] as const;

/** On Hold (256) notes, each with the note that lifts the hold. */
export const HOLDS = [
  ['Address failed verification: the postcode does not match the city; waiting for the merchant to confirm', 'Address confirmed by the merchant; hold lifted'],
  ['Artwork file could not be opened (corrupt PDF); waiting for a new upload', 'New artwork file received and checked; hold lifted'],
  ['Customs data missing for a non-EU destination (HS code); waiting for the merchant', 'Customs data received; hold lifted'],
] as const;

/** QC Query (32) notes, each with the note that returns the order to production. */
export const QC_QUERIES = [
  ['Print colour outside tolerance against the approved proof; item sent back for reprint', 'Reprint passed quality control'],
  ['Ink smudge found on the left sleeve at inspection; item sent back for reprint', 'Reprint passed quality control'],
  ['Print misaligned by 6 mm from centre; item sent back for reprint', 'Reprint passed quality control'],
] as const;

/** What the shop says when it refuses a cancellation (it moves the order into production with this note). */
export const CANCEL_REFUSALS = [
  'Cancellation refused: the items are already printed and cannot be reused',
  'Cancellation refused: the order is batched with others on the factory floor',
  'Cancellation refused: the blanks were already pre-treated for this order',
] as const;
