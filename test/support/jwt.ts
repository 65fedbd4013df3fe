/**
 * Reading and forging access tokens, for tests of token verification: decode a token's header and claims, and
 * sign arbitrary claims with the server's own current key (read from its database) or with a stranger's key.
 */
import { decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, SignJWT, type JWTPayload } from 'jose';
import { openDirectDb } from './direct-db.ts';

export interface AccessTokenClaims extends JWTPayload {
  client_id: string;
  scope: string;
  org: string;
  orgs: string[];
}

export function tokenHeader(token: string): { alg?: string; typ?: string; kid?: string } {
  return decodeProtectedHeader(token);
}

export function tokenClaims(token: string): AccessTokenClaims {
  return decodeJwt(token) as AccessTokenClaims;
}

/** The newest live signing key of a server, straight from its database. */
export async function serverSigningKey(server: { databaseUrl: string | undefined; dataDir: string }): Promise<{ kid: string; privateKey: CryptoKey }> {
  const db = await openDirectDb(server);
  try {
    const [row] = await db.query<{ kid: string; alg: string; private_jwk: string }>(
      'SELECT kid, alg, private_jwk FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1',
    );
    if (!row) throw new Error('the server has no live signing key');
    return { kid: row.kid, privateKey: (await importJWK(JSON.parse(row.private_jwk), row.alg)) as CryptoKey };
  } finally {
    await db.close();
  }
}

/** Signs `claims` as an ES256 `at+jwt` (override the header with `header`). */
export async function signToken(
  claims: JWTPayload,
  key: { kid: string; privateKey: CryptoKey },
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...header }).sign(key.privateKey);
}

/** A fresh ES256 key the server has never seen, under the given kid. */
export async function strangerKey(kid: string): Promise<{ kid: string; privateKey: CryptoKey }> {
  const { privateKey } = await generateKeyPair('ES256');
  return { kid, privateKey: privateKey as CryptoKey };
}

/** An unsigned token (`alg: none`) with the given header fields and claims. */
export function unsignedToken(claims: JWTPayload, header: Record<string, unknown> = {}): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'at+jwt', ...header })}.${part(claims)}.`;
}
