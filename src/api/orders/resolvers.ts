/** Orders API resolvers: translate arguments, call one domain function (changes as commands), return its view. No rules here. */
import type { Resolvers } from './schema-types.ts';
import { viewer } from '../viewer.ts';
import { DateTime, JSONScalar } from '../scalars.ts';
import { runCommand } from '../../commands/commands.ts';
import { getOrder, listOrders, orderHistory } from '../../orders/order-queries.ts';
import { getDispatchableRequest } from '../../requests/dispatchable-requests.ts';
import { webhookQueries, webhookMutations, webhookTypes } from './webhook-resolvers.ts';

export const ordersResolvers: Resolvers = {
  DateTime,
  JSON: JSONScalar,
  Query: {
    viewer,
    order: (_, args, { ctx }) => getOrder(ctx, { id: args.id, externalReference: args.byExternalReference?.externalReference }) as never,
    orders: (_, args, { ctx }) => listOrders(ctx, args) as never,
    dispatchableRequest: (_, { id }, { ctx }) => getDispatchableRequest(ctx, id),
    ...webhookQueries,
  },
  Mutation: {
    orderCreate: (_, { input }, { ctx }) => runCommand(ctx, 'createOrder', input) as never,
    orderUpdate: (_, { input }, { ctx }) => runCommand(ctx, 'updateOrder', input),
    orderOpen: (_, { id }, { ctx }) => runCommand(ctx, 'openOrder', id),
    orderCancel: (_, { id }, { ctx }) => runCommand(ctx, 'cancelOrder', id),
    orderRequestFulfillment: (_, { id }, { ctx }) => runCommand(ctx, 'requestFulfillment', id),
    ...webhookMutations,
  },
  Order: {
    events: (order, _, { ctx }) => orderHistory(ctx, order.id) as never,
  },
  ...webhookTypes,
};
