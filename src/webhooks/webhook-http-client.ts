/**
 * One webhook POST over undici: 10 s for the whole exchange (connect, headers, body), no redirects followed,
 * at most a few KiB of the response read (then dropped), and, unless private endpoints are allowed, the SSRF
 * guard on the connection itself: the socket connects to the addresses the guard checked (see ssrf-guard.ts).
 * Connections are kept alive per origin, so a busy endpoint does not pay a handshake per delivery.
 */
import { Agent, errors as undiciErrors } from 'undici';
import { guardedLookup, literalHostRefusal, RefusedAddressError } from './ssrf-guard.ts';
import { BoundedMap } from '../bounded-map.ts';

export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * A delivery waits DELIVERY_TIMEOUT_MS, or less when its job's lease ends sooner (a short ORDERGRAPH_JOB_LEASE_MS):
 * a delivery still open when its lease ends would be claimed again while it hangs, past the caps in flight.
 */
export function deliveryTimeoutMs(leaseLeftMs: number): number {
  return Math.max(1000, Math.min(DELIVERY_TIMEOUT_MS, leaseLeftMs - 1000));
}
/** How long the body of an answer may take after its status line. */
const BODY_GRACE_MS = 1_000;
export const RESPONSE_BODY_CAP = 4 * 1024;
/** How much of a response body the deliveries log keeps. */
export const RESPONSE_EXCERPT = 500;

export interface PostResult {
  /** 2xx. */
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  /** A short description of what went wrong (never a stack), or null on success. */
  error: string | null;
  /** The `Retry-After` header of the response, if any. */
  retryAfter: string | null;
  /** The start of the response body (RESPONSE_EXCERPT characters at most), for the deliveries log; null if none. */
  responseBody?: string | null;
}

export interface PostOptions {
  allowPrivate: boolean;
  timeoutMs?: number;
  /** POST unless said (KornitX status callbacks are PUT). */
  method?: 'POST' | 'PUT';
}

const agents = new Map<string, Agent>();

/** One agent per guard setting; the connect timeout is the longest, a shorter delivery's signal cuts it. */
function agentFor(allowPrivate: boolean): Agent {
  const key = String(allowPrivate);
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({
      connect: { timeout: DELIVERY_TIMEOUT_MS, ...(allowPrivate ? {} : { lookup: guardedLookup() }) },
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 30_000,
      // undici follows no redirects unless a redirect interceptor is composed in; none is.
    });
    agents.set(key, agent);
  }
  return agent;
}

/** Closes the kept-alive connections (for tests and shutdown). */
export async function closeWebhookConnections(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((a) => a.close().catch(() => {})));
}

/** A one-line description of a transport error, for the deliveries log. */
export function describeError(e: unknown, timeoutMs: number): string {
  if (e instanceof RefusedAddressError) return e.message;
  const err = e as { name?: string; code?: string; message?: string; cause?: unknown } | undefined;
  if (err?.cause instanceof RefusedAddressError) return err.cause.message;
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError' || e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError || e instanceof undiciErrors.ConnectTimeoutError) {
    return `timed out: no complete response within ${timeoutMs / 1000} s`;
  }
  const code = err?.code ?? (err?.cause as { code?: string } | undefined)?.code;
  const message = (err?.message || String(e)).split('\n')[0].slice(0, 300);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

interface Endpoint {
  origin: string;
  /** Path and query, as sent. */
  path: string;
  hostname: string;
}

/** Endpoints parsed once (a worker sends to few of them, many times): the URL or why it cannot be used. */
const endpoints = new BoundedMap<string, Endpoint | string>(1000);

function parsedEndpoint(endpoint: string): Endpoint | string {
  let parsed = endpoints.get(endpoint);
  if (parsed !== undefined) return parsed;
  try {
    const url = new URL(endpoint);
    parsed =
      url.protocol !== 'http:' && url.protocol !== 'https:'
        ? 'the endpoint is not an http(s) URL'
        : { origin: url.origin, path: `${url.pathname}${url.search}`, hostname: url.hostname };
  } catch {
    parsed = 'the endpoint is not a valid URL';
  }
  endpoints.set(endpoint, parsed);
  return parsed;
}

/** The first characters of a response body as text (UTF-8, decoding errors replaced), or null when empty. */
function excerpt(kept: Buffer[]): string | null {
  const text = Buffer.concat(kept).toString('utf8').replace(/\uFFFD+$/, '').trim();
  return text === '' ? null : text.slice(0, RESPONSE_EXCERPT);
}

/** A header of undici's raw list ([name, value, …], Buffers), by its lower-case name. */
function rawHeader(raw: Buffer[], name: string): string | null {
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === name.length && raw[i].toString('latin1').toLowerCase() === name) return raw[i + 1].toString('latin1');
  }
  return null;
}

type Settled = { statusCode: number; retryAfter: string | null; kept: Buffer[] } | { error: unknown };

/**
 * One exchange, read through undici's dispatcher callbacks rather than `request()`: that builds a response stream,
 * an async resource and the promises of reading it for every delivery, and most answers are an empty 204 (about
 * 7 % of a busy worker's CPU, profile of webhookDeliveries, 2026-12-04). The status is the answer: once it has come,
 * the body is read only to reuse the connection, at most RESPONSE_BODY_CAP bytes and BODY_GRACE_MS long, then the
 * connection is dropped, so a receiver that drips or floods it does not hold a delivery lane.
 */
class Exchange {
  private abort: ((reason: Error) => void) | undefined;
  /** Why to abort, when that was decided before undici handed over its abort. */
  private reason: Error | undefined;
  private answer: { statusCode: number; retryAfter: string | null } | undefined;
  private readonly kept: Buffer[] = [];
  private read = 0;
  private grace: NodeJS.Timeout | undefined;
  private readonly deadline: NodeJS.Timeout;
  private settled = false;

  /** The whole exchange (connect, headers, body) ends within `timeoutMs`. */
  constructor(timeoutMs: number, private readonly done: (outcome: Settled) => void) {
    this.deadline = setTimeout(() => this.stop(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { name: 'TimeoutError' })), timeoutMs);
  }

  /** Ends the exchange now: with its answer if the status has come, else with `reason`. */
  stop(reason: Error): void {
    this.settle(reason);
    if (this.abort) this.abort(reason);
    else this.reason = reason;
  }

  onConnect(abort: (reason: Error) => void): void {
    if (this.reason) abort(this.reason);
    else this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) return true; // informational: the final answer follows
    this.answer = { statusCode, retryAfter: rawHeader(rawHeaders, 'retry-after') };
    // An answer that came whole (most: an empty 204) is complete before the microtask: no timer for it.
    queueMicrotask(() => {
      if (!this.settled) this.grace = setTimeout(() => this.stop(new Error('the response body took too long')), BODY_GRACE_MS);
    });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.read < RESPONSE_EXCERPT * 4) this.kept.push(chunk);
    this.read += chunk.length;
    if (this.read > RESPONSE_BODY_CAP) this.stop(new Error('the response body is too large'));
    return true;
  }

  onComplete(): void {
    this.settle();
  }

  onError(e: Error): void {
    this.settle(e);
  }

  /** Once: the answer (whatever became of its body), or the error that came before it. */
  private settle(error?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.deadline);
    clearTimeout(this.grace);
    this.done(this.answer ? { ...this.answer, kept: this.kept } : { error });
  }
}

/** POSTs (or PUTs, `opts.method`) `body` to `endpoint`; never throws: every outcome is described in the result. */
export async function postWebhook(endpoint: string, headers: Record<string, string>, body: string, opts: PostOptions): Promise<PostResult> {
  const timeoutMs = opts.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (error: string, statusCode: number | null = null, retryAfter: string | null = null): PostResult => ({
    ok: false,
    statusCode,
    durationMs: elapsed(),
    error,
    retryAfter,
  });

  const target = parsedEndpoint(endpoint);
  if (typeof target === 'string') return fail(target);
  // Literal IPs never go through DNS (and so never through the guarded lookup): check them here.
  if (!opts.allowPrivate) {
    const refused = literalHostRefusal(target.hostname);
    if (refused) return fail(refused);
  }

  const outcome = await new Promise<Settled>((resolve) => {
    agentFor(opts.allowPrivate).dispatch(
      { origin: target.origin, path: target.path, method: opts.method ?? 'POST', headers, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs },
      new Exchange(timeoutMs, resolve),
    );
  });
  if ('error' in outcome) return fail(describeError(outcome.error, timeoutMs));
  const { statusCode: status, retryAfter } = outcome;
  const responseBody = excerpt(outcome.kept);
  if (status >= 200 && status < 300) return { ok: true, statusCode: status, durationMs: elapsed(), error: null, retryAfter: null, responseBody };
  const reason =
    status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed; use the final URL as the endpoint` : `HTTP ${status}`;
  return { ...fail(reason, status, retryAfter), responseBody };
}
