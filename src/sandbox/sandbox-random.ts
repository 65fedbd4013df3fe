/**
 * The sandbox's only source of chance: a draw is a hash of (seed, delivery order number, what is being decided),
 * not a stream, so a replay makes the same choices whatever the timing, the number of workers, or the order in
 * which jobs ran.
 */
import { createHash } from 'node:crypto';

/** A number in [0, 1) fixed by its inputs. */
export function draw(seed: string, number: number, what: string): number {
  const h = createHash('sha256').update(`${seed}\u0000${number}\u0000${what}`).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/** One of `list`, fixed by its inputs. */
export function pick<T>(seed: string, number: number, what: string, list: readonly T[]): T {
  return list[Math.floor(draw(seed, number, what) * list.length)];
}

/** `n` decimal digits, fixed by their inputs. */
export function digits(seed: string, number: number, what: string, n: number): string {
  let out = '';
  for (let i = 0; out.length < n; i++) out += Math.floor(draw(seed, number, `${what}:${i}`) * 1e9).toString().padStart(9, '0');
  return out.slice(0, n);
}
