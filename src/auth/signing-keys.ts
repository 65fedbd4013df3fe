/**
 * JWT signing keys: generated on first start, persisted, rotatable. The newest live key signs; every live key
 * is published in the JWKS and accepted by the verifier, so tokens signed before a rotation keep working.
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Executor } from '../db/database.ts';
import { isoNow } from '../clock.ts';

export const SIGNING_ALG = 'ES256';

export interface SigningKey {
  kid: string;
  /** The private key, as node:crypto signs with it. */
  signingKey: KeyObject;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

async function generateKey(db: Executor): Promise<void> {
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
    })
    .execute();
}

/** Live keys, newest first; creates the first one on an empty database. */
export async function loadSigningKeys(db: Executor): Promise<SigningKey[]> {
  const read = () =>
    db.selectFrom('signing_keys').selectAll().where('retired_at', 'is', null).orderBy('created_at', 'desc').execute();
  let rows = await read();
  if (rows.length === 0) {
    await generateKey(db);
    rows = await read();
  }
  return Promise.all(
    rows.map(async (r) => ({
      kid: r.kid,
      signingKey: createPrivateKey({ key: JSON.parse(r.private_jwk), format: 'jwk' }),
      publicKey: (await importJWK(JSON.parse(r.public_jwk), r.alg)) as CryptoKey,
      publicJwk: JSON.parse(r.public_jwk) as JWK,
    })),
  );
}

/**
 * Adds a new signing key and retires keys older than the previous one, so at most two are live: tokens signed
 * with the previous key stay valid until they expire.
 */
export async function rotateSigningKeys(db: Executor): Promise<string> {
  const before = await db.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).orderBy('created_at', 'desc').execute();
  await generateKey(db);
  const retire = before.slice(1).map((r) => r.kid);
  if (retire.length) {
    await db.updateTable('signing_keys').set({ retired_at: isoNow() }).where('kid', 'in', retire).execute();
  }
  const newest = await db.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
  return newest.kid;
}
