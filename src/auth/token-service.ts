/**
 * Issues and verifies access tokens (RFC 9068 JWTs). Verification happens in memory: a verified token is cached
 * until it expires, and a poll of the revocation tables every half second keeps revocation (of a token or of a
 * whole client) effective within a second on every node; the same tick picks up signing keys rotated elsewhere.
 */
import { randomUUID } from 'node:crypto';
import { jwtVerify, decodeProtectedHeader, errors as joseErrors } from 'jose';
import { signEs256 } from './jwt-signer.ts';
import type { Db } from '../db/database.ts';
import type { Actor } from '../context.ts';
import { extendSignedUntil, loadSigningKeys, SIGNING_ALG, type SigningKey } from './signing-keys.ts';
import { isoNow } from '../clock.ts';
import { Revocations } from './revocations.ts';
import { BoundedMap } from '../bounded-map.ts';
import type { BaseLogger } from 'pino';

export const AUDIENCE = 'ordergraph';
const POLL_MS = 500;
const CACHE_MAX = 50_000;
/** How far past a token's expiry a key's `signed_until` is moved: one write per key every few minutes. */
const SIGNED_UNTIL_MARGIN_S = 300;

/**
 * `iat` and `exp` in whole seconds for a token issued at `nowMs`. `exp` is rounded up, so the token lives at least
 * the `expires_in` it is handed out with (`iat + ttl` would give a 1-second token anywhere from 0 to 1 s).
 */
export function tokenLifetime(nowMs: number, ttlSeconds: number): { iat: number; exp: number } {
  return { iat: Math.floor(nowMs / 1000), exp: Math.ceil(nowMs / 1000 + ttlSeconds) };
}

export interface AccessClaims {
  jti: string;
  client_id: string;
  sub: string;
  scope: string;
  exp: number;
  iat: number;
  /** The client's own organization. */
  org: string;
  /** Every organization the token may act on. */
  orgs: string[];
}

interface Cached {
  claims: AccessClaims;
  actor: Actor;
}

export class TokenService {
  private keys: SigningKey[] = [];
  private readonly cache = new BoundedMap<string, Cached>(CACHE_MAX);
  private readonly revocations: Revocations;
  private timer: NodeJS.Timeout | undefined;
  private lastKeyReload = 0;
  private readonly extending = new Map<string, Promise<void>>();
  // The last token found in the cache: a client sends the same one on every request, and hashing a fresh
  // 700-character string for the Map lookup was most of a cached verification.
  private recentToken = '';
  private recentEntry: Cached | undefined;

  /** Set while the database polls fail, so that an outage is logged once, not twice a second. */
  private pollFailing = false;

  constructor(
    private readonly db: Db,
    private readonly ttlSeconds: number,
    private readonly log?: BaseLogger,
  ) {
    this.revocations = new Revocations(db.kysely);
  }

  async start(): Promise<void> {
    this.keys = await loadSigningKeys(this.db.kysely);
    await this.revocations.poll();
    this.timer = setInterval(() => {
      // A failed poll is retried on the next tick; meanwhile revocations made elsewhere are not seen here.
      Promise.all([this.revocations.poll(), this.pollSigningKeys()]).then(
        () => {
          if (this.pollFailing) this.log?.warn('token service: database polls work again');
          this.pollFailing = false;
        },
        (err) => {
          if (!this.pollFailing) this.log?.error({ err }, 'token service: cannot poll revocations and signing keys from the database');
          this.pollFailing = true;
        },
      );
    }, POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  jwks(): { keys: object[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  /** `ttlSeconds` shortens a token's life below the configured one (GraphiQL's tokens for a dashboard session). */
  async issue(input: {
    clientId: string;
    organizationId: string;
    organizationIds: string[];
    scopes: string[];
    issuer: string;
    ttlSeconds?: number;
  }): Promise<{ token: string; expiresIn: number }> {
    const key = this.keys[0];
    const ttl = Math.min(input.ttlSeconds ?? this.ttlSeconds, this.ttlSeconds);
    const { iat, exp } = tokenLifetime(Date.now(), ttl);
    if (key.signedUntil < exp * 1000) await this.extendKeyUse(key);
    const token = signEs256(
      { alg: SIGNING_ALG, typ: 'at+jwt', kid: key.kid },
      {
        client_id: input.clientId,
        scope: input.scopes.join(' '),
        org: input.organizationId,
        orgs: input.organizationIds,
        iss: input.issuer,
        aud: AUDIENCE,
        sub: input.clientId,
        jti: randomUUID(),
        iat,
        exp,
      },
      key.signingKey,
    );
    return { token, expiresIn: ttl };
  }

  /**
   * Moves the signing key's `signed_until` past the tokens about to be signed, by a margin so that this costs one
   * database write every few minutes, not one per token; concurrent callers share the write.
   */
  private extendKeyUse(key: SigningKey): Promise<void> {
    let pending = this.extending.get(key.kid);
    if (!pending) {
      const until = Date.now() + (this.ttlSeconds + SIGNED_UNTIL_MARGIN_S) * 1000;
      pending = extendSignedUntil(this.db.kysely, key.kid, until)
        .then(() => {
          key.signedUntil = Math.max(key.signedUntil, until);
        })
        .finally(() => this.extending.delete(key.kid));
      this.extending.set(key.kid, pending);
    }
    return pending;
  }

  /**
   * `verify`'s answer for a token verified before, without waiting (bearer-auth.ts answers most requests so):
   * its entry while it is valid, `false` once it has expired or been revoked, undefined for a token not seen.
   */
  known(token: string): { actor: Actor; claims: AccessClaims } | false | undefined {
    const hit = token === this.recentToken ? this.recentEntry : this.cache.get(token);
    if (!hit) return undefined;
    if (hit.claims.exp > Date.now() / 1000 && this.live(hit.claims)) {
      this.recentToken = token;
      this.recentEntry = hit;
      return hit;
    }
    this.cache.delete(token);
    this.recentEntry = undefined;
    this.recentToken = '';
    return false;
  }

  /** The actor of a valid, live token; undefined for anything else (bad, expired, revoked). */
  async verify(token: string): Promise<{ actor: Actor; claims: AccessClaims } | undefined> {
    const known = this.known(token);
    if (known !== undefined) return known || undefined;
    const claims = await this.verifySignature(token);
    if (!claims || !this.live(claims)) return undefined;
    const entry: Cached = {
      claims,
      actor: {
        clientId: claims.client_id,
        // A token narrowed with organization_id acts in that organization by default (its `orgs` is that one).
        organizationId: claims.orgs.length === 1 ? claims.orgs[0] : claims.org,
        organizationIds: new Set(claims.orgs),
        scopes: new Set(claims.scope.split(' ').filter(Boolean)),
      },
    };
    this.cache.set(token, entry);
    return entry;
  }

  private live(claims: AccessClaims): boolean {
    return !this.revocations.has(claims);
  }

  private async verifySignature(token: string): Promise<AccessClaims | undefined> {
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== SIGNING_ALG || header.typ !== 'at+jwt') return undefined;
      kid = header.kid;
    } catch {
      return undefined;
    }
    let key = this.keys.find((k) => k.kid === kid);
    if (!key && Date.now() - this.lastKeyReload > 1000) {
      // Another node may have rotated keys since we loaded them.
      this.lastKeyReload = Date.now();
      this.keys = await loadSigningKeys(this.db.kysely);
      key = this.keys.find((k) => k.kid === kid);
    }
    if (!key) return undefined;
    try {
      const { payload } = await jwtVerify(token, key.publicKey, {
        algorithms: [SIGNING_ALG],
        audience: AUDIENCE,
        typ: 'at+jwt',
        requiredClaims: ['jti', 'exp', 'iat', 'client_id', 'scope'],
      });
      const p = payload as unknown as AccessClaims;
      if (typeof p.org !== 'string' || !Array.isArray(p.orgs)) return undefined;
      return p;
    } catch (e) {
      if (e instanceof joseErrors.JOSEError) return undefined;
      throw e;
    }
  }

  /** Marks a token revoked everywhere (RFC 7009). Unknown or unverifiable tokens are ignored. */
  async revoke(token: string, byClientId: string): Promise<void> {
    const claims = await this.verifySignature(token);
    if (!claims || claims.client_id !== byClientId) return; // RFC 7009 §2.1: only the owner's tokens
    const now = isoNow();
    await this.db.kysely
      .insertInto('revoked_tokens')
      .values({ jti: claims.jti, expires_at: new Date(claims.exp * 1000).toISOString(), revoked_at: now })
      .onConflict((oc) => oc.column('jti').doNothing())
      .execute();
    this.revocations.addToken(claims.jti, claims.exp);
    this.cache.delete(token);
  }

  /** Decoded claims of a live token, for introspection. */
  async introspect(token: string): Promise<AccessClaims | undefined> {
    return (await this.verify(token))?.claims;
  }

  /**
   * Picks up keys rotated by another process (`ordergraph keys rotate`, another node): without this, this node
   * would keep signing with the old key and publishing the old JWKS until it restarts.
   */
  private async pollSigningKeys(): Promise<void> {
    const live = await this.db.kysely
      .selectFrom('signing_keys')
      .select('kid')
      .where('retired_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
    const current = this.keys.map((k) => k.kid).join(' ');
    if (live.length > 0 && live.map((r) => r.kid).join(' ') !== current) {
      this.keys = await loadSigningKeys(this.db.kysely);
    }
  }
}
