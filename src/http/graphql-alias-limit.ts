/**
 * Validation rule: at most `max` aliased fields in one document. Aliases are how one request asks for the same
 * expensive field many times; 100 leaves room for clients that batch aliased mutations (`o1: orderCreate(...)
 * o2: orderCreate(...)`, as the test helpers and bulk importers do).
 */
import { GraphQLError, type ValidationRule } from 'graphql';

export const MAX_ALIASES = 100;

export function aliasLimitRule(max = MAX_ALIASES): ValidationRule {
  return (context) => {
    let aliases = 0;
    return {
      Field(node) {
        if (!node.alias) return;
        aliases += 1;
        if (aliases === max + 1) {
          context.reportError(
            new GraphQLError(`the document uses more than ${max} aliases; split it into several requests`, { nodes: node }),
          );
        }
      },
    };
  };
}
