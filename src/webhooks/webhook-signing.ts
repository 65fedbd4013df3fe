/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): secrets are `whsec_` + base64 of random bytes;
 * a delivery carries `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">`, one space-separated signature per secret in force (two during a rotation).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { BoundedMap } from '../bounded-map.ts';

export const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** Decoded keys of the secrets in use (a worker signs with few of them, many times). */
const keys = new BoundedMap<string, Buffer>(1000);

/** The HMAC key of a secret: the base64-decoded part after `whsec_`. */
export function secretKey(secret: string): Buffer {
  let key = keys.get(secret);
  if (key) return key;
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  keys.set(secret, key);
  return key;
}

/** `v1,<signature>` of one message with one secret. */
export function sign(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` header value: one signature per secret, space-separated. */
export function signatureHeader(secrets: readonly string[], messageId: string, timestampSeconds: number, body: string): string {
  return secrets.map((s) => sign(s, messageId, timestampSeconds, body)).join(' ');
}

/**
 * The message id of one event for one webhook: stable, so every retry carries the same `webhook-id` and
 * receivers can drop duplicates; different per webhook, so two endpoints never share one.
 */
export function messageIdFor(webhookId: string, eventId: number | string): string {
  const digest = createHash('sha256').update(`${webhookId}:${eventId}`).digest('base64url');
  return `msg_${digest.slice(0, 27)}`;
}
