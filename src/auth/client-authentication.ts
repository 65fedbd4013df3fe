/**
 * Authenticates the client of an OAuth request (RFC 6749 §2.3.1): HTTP Basic with form-urlencoded id and
 * secret, or client_id + client_secret in the body, never both and never in the query string.
 */
import type { Executor } from '../db/database.ts';
import { findClient, type Client } from './clients.ts';
import { secretMatches } from './client-secrets.ts';
import type { FailureLimiter } from './brute-force.ts';
import { failedClientAuthentications } from './auth-metrics.ts';
import { OAuthError } from './oauth-errors.ts';

export const BASIC_CHALLENGE = 'Basic realm="ordergraph"';

/** Parses an urlencoded body, refusing repeated parameters (RFC 6749 §3.2). */
export function parseForm(body: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(body)) {
    if (params.has(k)) throw new OAuthError('invalid_request', `parameter \`${k}\` must not be repeated`);
    params.set(k, v);
  }
  return params;
}

function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new OAuthError('invalid_request', 'the Basic credentials are not valid form-urlencoded text');
  }
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+(.*)$/i.exec(header.trim());
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_request', 'the Basic credentials must be `client_id:client_secret`');
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

export class ClientAuthenticator {
  constructor(
    private readonly db: Executor,
    private readonly limiter: FailureLimiter,
  ) {}

  async authenticate(
    input: { authorization: string | undefined; params: Map<string, string>; query: Record<string, unknown>; ip: string },
  ): Promise<{ client: Client; method: 'client_secret_basic' | 'client_secret_post' }> {
    if ('client_secret' in input.query || 'client_id' in input.query) {
      throw new OAuthError('invalid_request', 'client credentials must not be sent in the query string');
    }
    const basic = basicCredentials(input.authorization);
    const bodyId = input.params.get('client_id');
    const bodySecret = input.params.get('client_secret');
    if (basic && (bodySecret !== undefined || (bodyId !== undefined && bodyId !== basic.id))) {
      throw new OAuthError('invalid_request', 'use either HTTP Basic or client_id/client_secret in the body, not both');
    }
    const creds = basic ?? (bodyId !== undefined ? { id: bodyId, secret: bodySecret } : undefined);
    const challenge: Record<string, string> = basic ? { 'WWW-Authenticate': BASIC_CHALLENGE } : {};
    if (!creds) throw new OAuthError('invalid_client', 'client authentication is required', 401, {});
    const wait = this.limiter.retryAfter(creds.id, input.ip);
    if (wait > 0) {
      throw new OAuthError('too_many_attempts', `too many failed attempts; retry after ${wait} seconds`, 429, {
        'Retry-After': String(wait),
      });
    }
    if (creds.secret === undefined) {
      throw new OAuthError('invalid_client', 'client_secret is required', 401, challenge);
    }
    const client = creds.id ? await findClient(this.db, creds.id) : undefined;
    // Hash even for unknown clients so response time does not reveal which ids exist.
    const ok = secretMatches(creds.secret, client?.secretHash ?? '0'.repeat(64)) && client && !client.revoked;
    if (!ok || !client) {
      this.limiter.recordFailure(creds.id, input.ip);
      failedClientAuthentications.inc();
      throw new OAuthError('invalid_client', 'client authentication failed', 401, challenge);
    }
    return { client, method: basic ? 'client_secret_basic' : 'client_secret_post' };
  }
}
