/** What every resolver of both dialects receives as its context. */
import type { Ctx } from '../context.ts';

export interface GraphQLContext {
  ctx: Ctx;
}
