/** Webhook management resolvers (filled in by the webhooks work). */
import type { MutationResolvers, QueryResolvers, Resolvers } from './schema-types.ts';

export const webhookQueries: Pick<QueryResolvers, never> = {};
export const webhookMutations: Pick<MutationResolvers, never> = {};
export const webhookTypes: Pick<Resolvers, never> = {};
