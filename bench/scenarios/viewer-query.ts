/**
 * Scenario 2: the cheapest authenticated GraphQL call. `{ viewer { clientId } }` on /graphql with one token
 * fetched before the run (so after the first request its verification comes from the token cache): the cost of
 * Fastify + Bearer check + Mercurius/graphql-jit, with no database access.
 */
import { httpRow, type Scenario } from './types.ts';

export const viewerQuery: Scenario = {
  id: 'viewer',
  title: 'GraphQL { viewer { clientId } }, cached token',
  goal: { kind: 'ratio', min: 0.4 },
  databases: ['sqlite', 'postgres'],
  async run(env) {
    const server = await env.server();
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${server.merchantToken}` };
    const body = JSON.stringify({ query: '{ viewer { clientId } }' });
    const measured = await env.compare(server, () => ({
      request: () => ({ path: '/graphql', headers, body }),
      check: (status, text) => status === 200 && text.includes('"clientId"') && !text.includes('"errors"'),
    }));
    return [httpRow(this, env.dbKind, measured)];
  },
};
