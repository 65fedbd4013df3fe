import type { Resolvers } from './schema-types.ts';
import { viewer } from '../viewer.ts';

export const fulfillerResolvers: Resolvers = {
  Query: { viewer },
};
