/**
 * Passwords of people (not client secrets): scrypt from node:crypto, slow by design so that a stolen table costs an
 * attacker real time per guess. Stored as `scrypt$N$r$p$salt$hash` (base64url), so the cost can be raised later
 * without breaking the hashes already stored.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { badInput } from '../errors/domain-error.ts';

// One of OWASP's equivalent scrypt minimums (N = 2^15, r = 8, p = 3): 32 MiB, ≈ 0.3 s of one core per hash.
const COST = { N: 2 ** 15, r: 8, p: 3 };
const KEY_LENGTH = 32;
export const MIN_PASSWORD_LENGTH = 12;

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...o, maxmem: 128 * o.N * o.r * 2 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

export function checkPasswordRules(password: string, field = 'password'): void {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
    throw badInput(field, `must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  }
  if (password.length > 1024) throw badInput(field, 'must be at most 1024 characters long');
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash to compare against when the account does not exist, so that the answer takes as long either way. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

/** 20 characters from a 56-letter alphabet without look-alikes (≈ 116 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(40);
  let out = '';
  for (const b of bytes) {
    if (b >= 224) continue; // 224 = 4 × 56: no modulo bias
    out += alphabet[b % 56];
    if (out.length === 20) break;
  }
  return out.length === 20 ? out : generatePassword();
}
