/** Webhook management resolvers: translate arguments, call one domain function (src/webhooks/). */
import type { MutationResolvers, QueryResolvers, Resolvers } from './schema-types.ts';
import { listWebhooks } from '../../webhooks/webhook-subscriptions.ts';
import { listDeliveries } from '../../webhooks/webhook-deliveries.ts';
import { runCommand } from '../../commands/commands.ts';

export const webhookQueries: Pick<QueryResolvers, 'webhooks' | 'webhookDeliveries'> = {
  webhooks: (_, args, { ctx }) => listWebhooks(ctx, args),
  webhookDeliveries: (_, args, { ctx }) => listDeliveries(ctx, args),
};

export const webhookMutations: Pick<MutationResolvers, 'webhookCreate' | 'webhookUpdate' | 'webhookDelete' | 'webhookDeliveryRetry'> = {
  webhookCreate: (_, { input }, { ctx }) => runCommand(ctx, 'createWebhook', input),
  webhookUpdate: (_, { id, input }, { ctx }) => runCommand(ctx, 'updateWebhook', id, input),
  webhookDelete: (_, { id }, { ctx }) => runCommand(ctx, 'deleteWebhook', id),
  webhookDeliveryRetry: (_, { id }, { ctx }) => runCommand(ctx, 'retryDelivery', id),
};

export const webhookTypes: Pick<Resolvers, never> = {};
