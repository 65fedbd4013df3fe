/**
 * What the OAuth e2e files share: a server with two organizations and two clients, and the assertion of an
 * RFC 6749 §5.2 error answer.
 */
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './test-server.ts';
import { createClient, createOrganization, type OAuthClient, type Organization } from './oauth.ts';

export const MERCHANT_SCOPES = ['view_orders', 'create_orders', 'edit_orders'];
export const BASIC_CHALLENGE = 'Basic realm="ordergraph"';

export interface OAuthFixture {
  server: TestServer;
  orgA: Organization;
  /** A supplier. */
  orgB: Organization;
  /** A merchant client of orgA with MERCHANT_SCOPES and no access to other organizations. */
  client: OAuthClient;
  /** A client of orgA that may also act on orgB. */
  clientWithAccess: OAuthClient;
}

export async function startOAuthFixture(): Promise<OAuthFixture> {
  const server = await startServer();
  const [orgA, orgB] = await Promise.all([createOrganization(server), createOrganization(server, { kind: 'SUPPLIER' })]);
  const [client, clientWithAccess] = await Promise.all([
    createClient(server, { org: orgA.id, scopes: MERCHANT_SCOPES }),
    createClient(server, { org: orgA.id, scopes: ['order-it.order-manager.view'], access: [orgB.id] }),
  ]);
  return { server, orgA, orgB, client, clientWithAccess };
}

/** Asserts an RFC 6749 §5.2 error response. */
export function assertOAuthError(r: { status: number; headers: Headers; body: any }, status: number, error: string): void {
  assert.equal(r.status, status, `expected HTTP ${status} ${error}, got ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error, error, JSON.stringify(r.body));
  assert.equal(typeof r.body.error_description, 'string');
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
}
