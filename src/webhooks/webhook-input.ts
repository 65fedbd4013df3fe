/**
 * Validates webhookCreate/webhookUpdate input: the endpoint is an http(s) URL (and, unless private endpoints
 * are allowed, not a loopback name or a non-public literal IP), events are known event names, headers are a
 * flat object of string values that do not override what the signature and transport own.
 */
import { z } from 'zod';
import { badInput } from '../errors/domain-error.ts';
import { EVENT_TYPES, type EventType } from './outbox.ts';
import { literalHostRefusal } from './ssrf-guard.ts';
import { WEBHOOK_FORMATS, secretRefusal, type WebhookFormat } from './webhook-formats.ts';

export const MAX_HEADERS = 20;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// Visible ASCII, space, tab and obs-text; no CR, LF or NUL (header injection).
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Headers the delivery sets itself, or that would corrupt the request. */
const RESERVED_HEADER = /^(webhook-.*|content-type|content-length|content-encoding|host|transfer-encoding|connection|keep-alive|upgrade|te|trailer|expect|proxy-.*)$/i;

export interface WebhookSettings {
  endpoint: string;
  /** Empty: every event. */
  events: EventType[];
  headers: Record<string, string>;
  format: WebhookFormat;
  /** Given by the client; generated when absent. */
  secret?: string;
}

export interface WebhookChanges {
  endpoint?: string;
  events?: EventType[];
  headers?: Record<string, string>;
  enabled?: boolean;
  rotateSecret?: boolean;
  format?: WebhookFormat;
  secret?: string;
}

const endpointSchema = z
  .string({ message: 'must be a string' })
  .max(2048, { message: 'must be at most 2048 characters' })
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL, e.g. https://example.com/webhooks' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: `must be an http(s) URL, not ${url.protocol.replace(/:$/, '')}` });
    } else if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not contain credentials; send them with `headers` instead' });
    } else if (url.hash) {
      ctx.addIssue({ code: 'custom', message: 'must not contain a #fragment' });
    }
  });

const eventsSchema = z.array(z.string({ message: 'must be a string' })).superRefine((events, ctx) => {
  events.forEach((e, i) => {
    if (!(EVENT_TYPES as readonly string[]).includes(e)) {
      ctx.addIssue({ code: 'custom', path: [i], message: `${JSON.stringify(e)} is not an event name; use one of ${EVENT_TYPES.join(', ')}` });
    }
  });
});

const headersSchema = z
  .record(z.string(), z.string({ message: 'must be a string' }), { message: 'must be an object of header names to string values' })
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > MAX_HEADERS) ctx.addIssue({ code: 'custom', message: `must have at most ${MAX_HEADERS} headers` });
    const seen = new Set<string>();
    for (const name of names) {
      const value = headers[name];
      const lower = name.toLowerCase();
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid header name' });
      else if (RESERVED_HEADER.test(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'is set by the delivery itself and cannot be overridden' });
      } else if (seen.has(lower)) ctx.addIssue({ code: 'custom', path: [name], message: 'is given twice (header names are case-insensitive)' });
      else if (value.length > 1000) ctx.addIssue({ code: 'custom', path: [name], message: 'must be at most 1000 characters' });
      else if (!HEADER_VALUE.test(value)) ctx.addIssue({ code: 'custom', path: [name], message: 'must not contain line breaks or control characters' });
      seen.add(lower);
    }
  });

const formatSchema = z.enum(WEBHOOK_FORMATS, { message: `must be one of ${WEBHOOK_FORMATS.join(', ')}` });
const secretSchema = z.string({ message: 'must be a string' });

const createSchema = z
  .object({
    endpoint: endpointSchema,
    events: eventsSchema.nullable().optional(),
    headers: headersSchema.nullable().optional(),
    format: formatSchema.nullable().optional(),
    secret: secretSchema.nullable().optional(),
  })
  .strict();

const updateSchema = z
  .object({
    endpoint: endpointSchema.nullable().optional(),
    events: eventsSchema.nullable().optional(),
    headers: headersSchema.nullable().optional(),
    enabled: z.boolean({ message: 'must be a boolean' }).nullable().optional(),
    rotateSecret: z.boolean({ message: 'must be a boolean' }).nullable().optional(),
    format: formatSchema.nullable().optional(),
    secret: secretSchema.nullable().optional(),
  })
  .strict();

function fieldPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const message = issue.code === 'unrecognized_keys' ? `has unknown field(s): ${issue.keys.join(', ')}` : issue.message;
    throw badInput(fieldPath(issue.path) || 'input', message);
  }
  return result.data;
}

function checkDestination(endpoint: string, allowPrivate: boolean): void {
  if (allowPrivate) return;
  const refused = literalHostRefusal(new URL(endpoint).hostname);
  if (refused) throw badInput('endpoint', `must not point to a private or loopback address: ${refused}`);
}

const uniqueEvents = (events: string[] | null | undefined): EventType[] => [...new Set(events ?? [])] as EventType[];

export function parseWebhookInput(input: unknown, allowPrivate: boolean): WebhookSettings {
  const data = parse(createSchema, input);
  checkDestination(data.endpoint, allowPrivate);
  const format = data.format ?? 'STANDARD';
  const settings: WebhookSettings = { endpoint: data.endpoint, events: uniqueEvents(data.events), headers: data.headers ?? {}, format };
  if (data.secret != null) settings.secret = checkSecret(format, data.secret);
  return settings;
}

/** The secret, or BAD_USER_INPUT naming `secret` (never quoting it: it may be a real key). */
export function checkSecret(format: WebhookFormat, secret: string): string {
  const refused = secretRefusal(format, secret);
  if (refused) throw badInput('secret', refused);
  return secret;
}

export function parseWebhookUpdate(input: unknown, allowPrivate: boolean): WebhookChanges {
  const data = parse(updateSchema, input);
  const changes: WebhookChanges = {};
  if (data.endpoint === null) throw badInput('endpoint', 'cannot be null; leave it out to keep the current endpoint');
  if (data.endpoint !== undefined) {
    checkDestination(data.endpoint, allowPrivate);
    changes.endpoint = data.endpoint;
  }
  // null events: every event; null headers: none.
  if (data.events !== undefined) changes.events = uniqueEvents(data.events);
  if (data.headers !== undefined) changes.headers = data.headers ?? {};
  if (data.enabled != null) changes.enabled = data.enabled;
  if (data.rotateSecret) changes.rotateSecret = true;
  if (data.format != null) changes.format = data.format;
  // Checked against the format once the webhook's current format is known (webhook-subscriptions.ts).
  if (data.secret != null) changes.secret = data.secret;
  if (changes.secret !== undefined && changes.rotateSecret) throw badInput('secret', 'cannot be given with rotateSecret: true (which generates one)');
  return changes;
}
