/**
 * Client secrets: 32 random bytes, stored as SHA-256 hashes and compared in constant time. A slow password hash
 * would cap the token endpoint at tens of requests per second, and these secrets have full entropy anyway.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
