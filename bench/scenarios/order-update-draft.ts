/**
 * Scenario 3: the single-change hot path. `orderUpdate(input: {id, comment})` on DRAFT orders, which is applied
 * at once (state ACCEPTED): token check, GraphQL, input validation, one transaction that loads and locks the
 * order, writes it, its history row, the ACCEPTED dispatchable request and the outbox rows. The comment differs
 * on every request so each one is a real change; requests are spread over DRAFT_ORDERS orders so that, on
 * PostgreSQL, row locks on one order do not serialise the run.
 */
import { createOrders } from '../lib/ordergraph-client.ts';
import { httpRow, type Scenario } from './types.ts';

const DRAFT_ORDERS = 64;
export const ORDER_UPDATE = 'mutation($input: OrderInput!) { orderUpdate(input: $input) { id state } }';

export const orderUpdateDraft: Scenario = {
  id: 'orderUpdate',
  title: 'orderUpdate on a DRAFT order (applied at once)',
  goal: { kind: 'ratio', min: 0.25 },
  databases: ['sqlite', 'postgres'],
  async run(env) {
    const server = await env.server();
    const orders = await createOrders(server.origin, server.merchantToken, DRAFT_ORDERS, 'DRAFT');
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${server.merchantToken}` };
    const measured = await env.compare(server, (phase) => ({
      request: (i) => ({
        path: '/graphql',
        headers,
        body: JSON.stringify({
          query: ORDER_UPDATE,
          variables: { input: { id: orders[i % orders.length], comment: `bench ${phase} ${i}` } },
        }),
      }),
      check: (status, text) => status === 200 && text.includes('"state":"ACCEPTED"') && !text.includes('"errors"'),
    }));
    return [httpRow(this, env.dbKind, measured, { details: { orders: orders.length } })];
  },
};
