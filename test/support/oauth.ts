/**
 * Organizations, OAuth clients and access tokens for tests: organizations and clients are created with the CLI
 * (the way an operator does), tokens are fetched over HTTP from the token endpoint.
 */
import { readResponse, type HttpResult } from './http-response.ts';

/** Anything that runs the CLI on a server's database (a TestServer). */
export interface CliRunner {
  cli(args: string[]): Promise<any>;
}

export interface Organization {
  id: string;
  name: string;
  kind: 'MERCHANT' | 'SUPPLIER';
}

export interface OAuthClient {
  client_id: string;
  client_secret: string;
  org_id: string;
  scopes: string[];
  access: string[];
}

let counter = 0;
const uniqueName = (prefix: string) => `${prefix} ${process.pid}-${++counter}`;

export async function createOrganization(
  server: CliRunner,
  opts: { name?: string; kind?: 'MERCHANT' | 'SUPPLIER'; defaultSupplier?: string } = {},
): Promise<Organization> {
  const args = ['org', 'create', '--name', opts.name ?? uniqueName('Org'), '--kind', opts.kind ?? 'MERCHANT', '--json'];
  if (opts.defaultSupplier) args.push('--default-supplier', opts.defaultSupplier);
  return server.cli(args);
}

export async function createClient(
  server: CliRunner,
  opts: { org: string; scopes: string[] | string; name?: string; access?: string[] },
): Promise<OAuthClient> {
  const scopes = Array.isArray(opts.scopes) ? opts.scopes.join(' ') : opts.scopes;
  const args = ['client', 'create', '--org', opts.org, '--name', opts.name ?? uniqueName('Client'), '--scopes', scopes, '--json'];
  if (opts.access?.length) args.push('--access', opts.access.join(','));
  return server.cli(args);
}

/** A new organization with one client: the usual start of a test. */
export async function createOrgWithClient(
  server: CliRunner,
  opts: { scopes: string[] | string; kind?: 'MERCHANT' | 'SUPPLIER'; access?: string[] },
): Promise<{ org: Organization; client: OAuthClient }> {
  const org = await createOrganization(server, { kind: opts.kind });
  const client = await createClient(server, { org: org.id, scopes: opts.scopes, access: opts.access });
  return { org, client };
}

/** application/x-www-form-urlencoded encoding of one value (space → `+`), as RFC 6749 §2.3.1 asks for Basic. */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** `Basic base64(formEncode(id):formEncode(secret))` (RFC 6749 §2.3.1). */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
}

export interface TokenRequestOptions {
  /** Default `/oauth/token`. */
  path?: string;
  /** Client credentials sent with HTTP Basic. */
  basic?: { clientId: string; clientSecret: string };
  headers?: Record<string, string>;
  /** Appended as a query string. */
  query?: Record<string, string>;
}

/**
 * A raw POST to the token endpoint (or another OAuth endpoint via `path`): `params` is the form body (pass a
 * string or `[k, v][]` to send something a record cannot, like a repeated parameter).
 */
export async function oauthPost(
  url: string,
  params: Record<string, string> | [string, string][] | string,
  opts: TokenRequestOptions = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (opts.basic) headers.authorization = basicAuthorization(opts.basic.clientId, opts.basic.clientSecret);
  const qs = opts.query ? `?${new URLSearchParams(opts.query)}` : '';
  const body = typeof params === 'string' ? params : new URLSearchParams(params).toString();
  const res = await fetch(`${url}${opts.path ?? '/oauth/token'}${qs}`, {
    method: 'POST',
    headers: { ...headers, ...opts.headers },
    body,
  });
  return readResponse(res);
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

/**
 * An access token for `client` (client credentials grant), authenticating with Basic (default) or in the body.
 * `scope` and `organizationId` narrow the token. Throws with the error body unless the endpoint answers 200.
 */
export async function getToken(
  url: string,
  client: Pick<OAuthClient, 'client_id' | 'client_secret'>,
  opts: { method?: 'basic' | 'post'; scope?: string; organizationId?: string } = {},
): Promise<string> {
  return (await getTokenResponse(url, client, opts)).access_token;
}

export async function getTokenResponse(
  url: string,
  client: Pick<OAuthClient, 'client_id' | 'client_secret'>,
  opts: { method?: 'basic' | 'post'; scope?: string; organizationId?: string } = {},
): Promise<TokenResponse> {
  const params: Record<string, string> = { grant_type: 'client_credentials' };
  if (opts.scope !== undefined) params.scope = opts.scope;
  if (opts.organizationId !== undefined) params.organization_id = opts.organizationId;
  let r: HttpResult;
  if (opts.method === 'post') {
    r = await oauthPost(url, { ...params, client_id: client.client_id, client_secret: client.client_secret });
  } else {
    r = await oauthPost(url, params, { basic: { clientId: client.client_id, clientSecret: client.client_secret } });
  }
  if (r.status !== 200) throw new Error(`token request failed: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as TokenResponse;
}
