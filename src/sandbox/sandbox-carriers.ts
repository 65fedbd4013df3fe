/**
 * The carriers a simulated print shop ships with: tracking numbers in each carrier's own format and its public
 * tracking page, so a merchant's integration stores and links them as it would a real parcel's. Never called:
 * the URLs are only handed to the merchant.
 */
import { digits } from './sandbox-random.ts';

export interface Carrier {
  name: string;
  method: string;
  /** The hub its parcels pass through (the city and country of IN_TRANSIT events). */
  hub: { city: string; country: string };
  trackingNumber(seed: string, number: number, parcel: number): string;
  trackingUrl(trackingNumber: string): string;
}

export const CARRIERS: readonly Carrier[] = [
  {
    name: 'DHL Express',
    method: 'Express Worldwide',
    hub: { city: 'Leipzig', country: 'DE' },
    trackingNumber: (s, n, p) => digits(s, n, `dhl:${p}`, 10),
    trackingUrl: (t) => `https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=${t}`,
  },
  {
    name: 'UPS',
    method: 'UPS Standard',
    hub: { city: 'Köln', country: 'DE' },
    trackingNumber: (s, n, p) => `1Z${digits(s, n, `ups:${p}`, 16)}`,
    trackingUrl: (t) => `https://www.ups.com/track?tracknum=${t}`,
  },
  {
    name: 'Royal Mail',
    method: 'Tracked 48',
    hub: { city: 'Warrington', country: 'GB' },
    trackingNumber: (s, n, p) => `TT${digits(s, n, `rm:${p}`, 9)}GB`,
    trackingUrl: (t) => `https://www.royalmail.com/track-your-item#/tracking-results/${t}`,
  },
  {
    name: 'Colissimo',
    method: 'Colissimo Domicile',
    hub: { city: 'Roissy-en-France', country: 'FR' },
    trackingNumber: (s, n, p) => `6A${digits(s, n, `colissimo:${p}`, 11)}`,
    trackingUrl: (t) => `https://www.laposte.fr/outils/suivre-vos-envois?code=${t}`,
  },
];
