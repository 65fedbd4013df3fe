/**
 * What crosses the writer thread's message port. Batches travel as JSON text: V8's structured clone of many small
 * objects cost more than the command it carried, while a string is copied in one piece. So an actor's sets
 * travel as arrays, and a DomainError as its code, message and details, rebuilt on the other side; any other
 * error travels with its stack, so that the HTTP thread logs it as it would its own (and masks it for clients).
 */
import type { Actor } from '../context.ts';
import { DomainError, type ErrorCode } from '../errors/domain-error.ts';

export type WireActor = { clientId: string; organizationId: string; organizationIds: string[]; scopes: string[] } | null;

export function actorToWire(a: Actor | null): WireActor {
  return a && { clientId: a.clientId, organizationId: a.organizationId, organizationIds: [...a.organizationIds], scopes: [...a.scopes] };
}

export function actorFromWire(a: WireActor): Actor | null {
  return a && { ...a, organizationIds: new Set(a.organizationIds), scopes: new Set(a.scopes) };
}

export type WireError =
  | { domain: true; code: ErrorCode; message: string; details?: Record<string, unknown> }
  | { domain: false; message: string; stack?: string };

export function toWire(e: unknown): WireError {
  if (e instanceof DomainError) return { domain: true, code: e.code, message: e.message, details: e.details };
  const err = e instanceof Error ? e : new Error(String(e));
  return { domain: false, message: err.message, stack: err.stack };
}

export function fromWire(w: WireError): Error {
  if (w.domain) return new DomainError(w.code, w.message, w.details);
  const err = new Error(w.message);
  if (w.stack) err.stack = w.stack;
  return err;
}

/** A result travels as is, except errors inside a top-level list (a bulk call's refused entries). */
export type WireValue = { list: ({ error: WireError } | { value: unknown })[] } | { value: unknown };

export function valueToWire(v: unknown): WireValue {
  if (!Array.isArray(v) || !v.some((x) => x instanceof Error)) return { value: v };
  return { list: v.map((x) => (x instanceof Error ? { error: toWire(x) } : { value: x })) };
}

export function valueFromWire(w: WireValue): unknown {
  // `{ value: undefined }` arrives as `{}`: JSON drops undefined.
  if (!('list' in w)) return w.value;
  return w.list.map((x) => ('error' in x ? fromWire(x.error) : x.value));
}
