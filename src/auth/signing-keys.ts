/**
 * JWT signing keys: generated on first start, persisted, rotatable. The newest live key signs; every live key
 * is published in the JWKS and accepted by the verifier. A key records how long the tokens it signed stay valid
 * (`signed_until`, moved ahead by the signer before it hands out a token that outlives it), and a key that no
 * longer signs is retired only once that moment, plus clock skew, has passed: rotating keeps every live token.
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Executor } from '../db/database.ts';
import { isoNow } from '../clock.ts';

export const SIGNING_ALG = 'ES256';
/** Clocks of the nodes (and of the clients checking `exp`) may differ this much. */
export const CLOCK_SKEW_MS = 60_000;

export interface SigningKey {
  kid: string;
  /** The private key, as node:crypto signs with it. */
  signingKey: KeyObject;
  publicKey: CryptoKey;
  publicJwk: JWK;
  /** Epoch ms until which tokens signed with it may be valid, as stored (0: none signed yet). */
  signedUntil: number;
}

async function generateKey(db: Executor): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  await db
    .insertInto('signing_keys')
    .values({
      kid,
      alg: SIGNING_ALG,
      private_jwk: JSON.stringify(await exportJWK(privateKey)),
      public_jwk: JSON.stringify(publicJwk),
      created_at: isoNow(),
      retired_at: null,
      signed_until: null,
    })
    .execute();
  return kid;
}

/** Which live keys may go: every one but the newest whose tokens (plus skew) have all expired. Pure, for tests. */
export function retirableKeys(live: readonly { kid: string; signedUntil: number }[], now: number): string[] {
  return live.slice(1).filter((k) => k.signedUntil + CLOCK_SKEW_MS < now).map((k) => k.kid);
}

const liveRows = (db: Executor) =>
  db.selectFrom('signing_keys').selectAll().where('retired_at', 'is', null).orderBy('created_at', 'desc').orderBy('kid').execute();

const signedUntilOf = (value: string | null) => (value ? Date.parse(value) : 0);

/** Retires the keys `retirableKeys` names; returns the kids retired. */
async function retireExpired(db: Executor, rows: { kid: string; signed_until: string | null }[]): Promise<string[]> {
  const retire = retirableKeys(rows.map((r) => ({ kid: r.kid, signedUntil: signedUntilOf(r.signed_until) })), Date.now());
  if (retire.length) await db.updateTable('signing_keys').set({ retired_at: isoNow() }).where('kid', 'in', retire).where('retired_at', 'is', null).execute();
  return retire;
}

/** Live keys, newest first, after retiring those whose tokens have all expired; creates the first key on an empty database. */
export async function loadSigningKeys(db: Executor): Promise<SigningKey[]> {
  let rows = await liveRows(db);
  if (rows.length === 0) {
    await generateKey(db);
    rows = await liveRows(db);
  }
  const retired = new Set(await retireExpired(db, rows));
  return Promise.all(
    rows
      .filter((r) => !retired.has(r.kid))
      .map(async (r) => ({
        kid: r.kid,
        signingKey: createPrivateKey({ key: JSON.parse(r.private_jwk), format: 'jwk' }),
        publicKey: (await importJWK(JSON.parse(r.public_jwk), r.alg)) as CryptoKey,
        publicJwk: JSON.parse(r.public_jwk) as JWK,
        signedUntil: signedUntilOf(r.signed_until),
      })),
  );
}

/**
 * Records that tokens signed with `kid` may be valid until `until` (epoch ms); never moves the mark back. Awaited
 * before such a token is handed out, so a rotation on another node never retires a key under a live token.
 */
export async function extendSignedUntil(db: Executor, kid: string, until: number): Promise<void> {
  const iso = new Date(until).toISOString();
  await db
    .updateTable('signing_keys')
    .set({ signed_until: iso })
    .where('kid', '=', kid)
    .where((eb) => eb.or([eb('signed_until', 'is', null), eb('signed_until', '<', iso)]))
    .execute();
}

/** Adds a new signing key and retires the old keys whose tokens have all expired; the others stay until theirs have. */
export async function rotateSigningKeys(db: Executor): Promise<{ kid: string; kept: string[]; retired: string[] }> {
  const kid = await generateKey(db);
  const rows = await liveRows(db);
  const retired = await retireExpired(db, rows);
  return { kid, kept: rows.map((r) => r.kid).filter((k) => k !== kid && !retired.includes(k)), retired };
}
