/** Webhook management resolvers: translate arguments, call one domain function (src/webhooks/). */
import type { MutationResolvers, QueryResolvers } from './schema-types.ts';
import { createWebhook, deleteWebhook, listWebhooks, updateWebhook } from '../../webhooks/webhook-subscriptions.ts';
import { listDeliveries, retryDelivery } from '../../webhooks/webhook-deliveries.ts';
import { readFeed } from '../../webhooks/event-feed.ts';
import { selectsTotalCount } from '../fulfiller/selected-fields.ts';

export const webhookQueries: Pick<QueryResolvers, 'webhooks' | 'webhookDeliveries' | 'events'> = {
  webhooks: (_, args, { ctx }) => listWebhooks(ctx, args),
  webhookDeliveries: (_, args, { ctx }, info) => listDeliveries(ctx, args, { countTotal: selectsTotalCount(info) }),
  events: (_, args, { ctx }) => readFeed(ctx, 'view_orders', { after: args.after, size: args.first, sizeField: 'first', types: args.types }),
};

export const webhookMutations: Pick<MutationResolvers, 'webhookCreate' | 'webhookUpdate' | 'webhookDelete' | 'webhookDeliveryRetry'> = {
  webhookCreate: (_, { input }, { ctx }) => createWebhook(ctx, input),
  webhookUpdate: (_, { id, input }, { ctx }) => updateWebhook(ctx, id, input),
  webhookDelete: (_, { id }, { ctx }) => deleteWebhook(ctx, id),
  webhookDeliveryRetry: (_, { id }, { ctx }) => retryDelivery(ctx, id),
};
