/**
 * Webhook formats (SPEC §9): what one event becomes on the wire for one webhook. Every format is delivered,
 * retried, ordered and logged the same way (webhook-delivery.ts); only the method, body, headers and signature
 * differ.
 *
 * - STANDARD: POST of the `{header, body}` envelope, Standard Webhooks headers (webhook-signing.ts).
 * - HAPPYCOLIS: POST of the same envelope, `x-happycolis-webhook-signature`: base64 HMAC-SHA256 of the raw body
 *   keyed with the secret (the HappyColis "webhook signature verification" page).
 * - KORNITX: `X-CustomGateway-Hmac`, base64 HMAC-SHA256 of the raw body (the KornitX "supplier API" page). A
 *   supplier organization gets the order push (POST of the Fulfiller API's Order, on `delivery-order/created`);
 *   a merchant organization gets status callbacks (PUT, on status changes, shipments and cancellations;
 *   kornitx-bodies.ts). Other events are not sent to it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { OutboxEventTable } from '../db/tables.ts';
import { messageIdFor, newSecret, signatureHeader } from './webhook-signing.ts';

export const WEBHOOK_FORMATS = ['STANDARD', 'HAPPYCOLIS', 'KORNITX'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const MIN_SECRET = 24;
export const MAX_SECRET = 256;

/** What a delivery reads of an outbox event. */
export type DeliveredEvent = Pick<Selectable<OutboxEventTable>, 'id' | 'organization_id' | 'order_id' | 'type' | 'payload' | 'created_at'>;

export interface OutgoingRequest {
  method: 'POST' | 'PUT';
  messageId: string;
  body: string;
  headers: Record<string, string>;
}

/** A new secret for a format: Standard Webhooks' `whsec_` + base64; the others a 43-character random key. */
export function newSecretFor(format: WebhookFormat): string {
  return format === 'STANDARD' ? newSecret() : randomBytes(32).toString('base64url');
}

/** Why `secret` cannot sign for `format`, or undefined. */
export function secretRefusal(format: WebhookFormat, secret: string): string | undefined {
  if (secret.length < MIN_SECRET || secret.length > MAX_SECRET) return `must be ${MIN_SECRET} to ${MAX_SECRET} characters`;
  if (!/^[\x21-\x7e]+$/.test(secret)) return 'must be printable ASCII without spaces';
  if (format === 'STANDARD' && !/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret)) {
    return 'must be a Standard Webhooks secret for the STANDARD format: whsec_ followed by base64';
  }
  return undefined;
}

/** base64 HMAC-SHA256 of the raw body keyed with the secret's text (HappyColis and KornitX alike). */
export function bodyHmac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** The `{header, body}` envelope; the stored payload (JSON text already) is spliced in, not parsed again. */
export function envelope(webhookId: string, messageId: string, event: DeliveredEvent): string {
  const header = { organizationId: event.organization_id, messageId, webhookId, type: event.type, date: event.created_at };
  return `{"header":${JSON.stringify(header)},"body":${event.payload}}`;
}

export interface FormatInput {
  webhookId: string;
  format: WebhookFormat;
  /** The secrets in force, current first (two during a STANDARD rotation). */
  secrets: string[];
  event: DeliveredEvent;
  now: number;
}

/** The STANDARD and HAPPYCOLIS requests (KORNITX bodies are built by kornitx-bodies.ts, then signed here). */
export function envelopeRequest({ webhookId, format, secrets, event, now }: FormatInput): OutgoingRequest {
  const messageId = messageIdFor(webhookId, event.id);
  const body = envelope(webhookId, messageId, event);
  if (format === 'HAPPYCOLIS') {
    return { method: 'POST', messageId, body, headers: { 'x-happycolis-webhook-signature': bodyHmac(secrets[0], body) } };
  }
  const timestamp = Math.floor(now / 1000);
  return {
    method: 'POST',
    messageId,
    body,
    headers: { 'webhook-id': messageId, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader(secrets, messageId, timestamp, body) },
  };
}

/** A KornitX request: the given JSON, signed with `X-CustomGateway-Hmac`. */
export function kornitxRequest(method: 'POST' | 'PUT', webhookId: string, event: DeliveredEvent, json: unknown, secret: string): OutgoingRequest {
  const body = JSON.stringify(json);
  return { method, messageId: messageIdFor(webhookId, event.id), body, headers: { 'X-CustomGateway-Hmac': bodyHmac(secret, body) } };
}
