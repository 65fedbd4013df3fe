/**
 * Signs access tokens with node:crypto directly. jose's SignJWT goes through WebCrypto, whose async signing
 * costs several times more per token on the token endpoint's hot path; verification stays with jose.
 */
import { sign, type KeyObject } from 'node:crypto';

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An ES256 compact JWS of `payload` with `header` (alg ES256 is implied by the key). */
export function signEs256(header: object, payload: object, key: KeyObject): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
