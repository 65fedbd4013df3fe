/**
 * Scenario 1: the token endpoint. POST /oauth/token, grant_type=client_credentials, client_secret_post (id and
 * secret in the form body), the demo merchant's client. Each request looks the client up, checks its secret
 * hash and signs a fresh ES256 JWT.
 */
import { tokenForm } from '../lib/ordergraph-client.ts';
import { httpRow, type Scenario } from './types.ts';

export const tokenEndpoint: Scenario = {
  id: 'token',
  title: 'POST /oauth/token (client_secret_post)',
  goal: { kind: 'rps', min: 5_000 },
  databases: ['sqlite', 'postgres'],
  async run(env) {
    const server = await env.server();
    const body = tokenForm(server.demo.merchant);
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const measured = await env.compare(server, () => ({
      request: () => ({ path: '/oauth/token', headers, body }),
      check: (status, text) => status === 200 && text.includes('"access_token"'),
    }));
    return [httpRow(this, env.dbKind, measured)];
  },
};
