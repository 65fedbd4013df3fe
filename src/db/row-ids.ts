/**
 * Ids for rows written on hot paths (orders, requests, delivery attempts): UUIDv7 (RFC 9562 §5.7), whose
 * leading 48 bits are the Unix time in ms. New ids land at the end of the primary-key index instead of on a
 * random page, so a commit writes a few pages rather than one per row.
 */
import { randomFillSync } from 'node:crypto';

const bytes = new Uint8Array(16);
// randomFillSync costs a system call per call: draw the random tails from a pool refilled every 409 ids.
const pool = new Uint8Array(4096);
let used = pool.length;

export function newRowId(now: number = Date.now()): string {
  if (used + 10 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  bytes.set(pool.subarray(used, used + 10), 6);
  used += 10;
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10
  const hex = Buffer.from(bytes.buffer).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
