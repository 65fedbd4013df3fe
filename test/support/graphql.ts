/** GraphQL over HTTP against a test server, with a Bearer token. */
import { readResponse, type HttpResult } from './http-response.ts';

export type GraphQLPath = '/graphql' | '/fulfiller/graphql';

export interface GraphQLBody<D = any> {
  data?: D;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [k: string]: unknown } }[];
}

/**
 * POSTs `{ query, variables }` to `url + path` (default `/graphql`) with `Authorization: Bearer <token>` (none
 * when `token` is undefined). Never throws for an HTTP error status: check `status`.
 */
export async function gql<D = any>(
  url: string,
  token: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
  opts: { path?: GraphQLPath; headers?: Record<string, string> } = {},
): Promise<HttpResult<GraphQLBody<D>>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${url}${opts.path ?? '/graphql'}`, {
    method: 'POST',
    headers: { ...headers, ...opts.headers },
    body: JSON.stringify(variables === undefined ? { query } : { query, variables }),
  });
  return readResponse<GraphQLBody<D>>(res);
}

export const VIEWER_QUERY = '{ viewer { clientId organizationId organizationIds scopes } }';

export interface Viewer {
  clientId: string;
  organizationId: string;
  organizationIds: string[];
  scopes: string[];
}

/** The `viewer` of a token; throws unless the call succeeded. */
export async function viewer(url: string, token: string, path: GraphQLPath = '/graphql'): Promise<Viewer> {
  const r = await gql<{ viewer: Viewer }>(url, token, VIEWER_QUERY, undefined, { path });
  if (r.status !== 200 || !r.body.data?.viewer) {
    throw new Error(`viewer on ${path} failed: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  }
  return r.body.data.viewer;
}
