/** What a query selects under a field, so a resolver reads no more of an order than the query asks for. */
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

type Fragments = GraphQLResolveInfo['fragments'];

/**
 * True when every field selected under the resolved field (through inline fragments and fragment spreads) is one
 * of `allowed`. Directives are ignored: a field skipped by `@skip` or `@include` still counts as selected.
 */
export function selectsOnly(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, allowed: ReadonlySet<string>): boolean {
  return info.fieldNodes.every((node) => !node.selectionSet || setSelectsOnly(node.selectionSet, info.fragments, allowed));
}

/** A connection's fields other than `totalCount`. */
const WITHOUT_TOTAL: ReadonlySet<string> = new Set(['edges', 'pageInfo', '__typename']);

/** True when a connection's `totalCount` is selected: lists count only then (SPEC §11). */
export function selectsTotalCount(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): boolean {
  return !selectsOnly(info, WITHOUT_TOTAL);
}

function setSelectsOnly(set: SelectionSetNode, fragments: Fragments, allowed: ReadonlySet<string>): boolean {
  return set.selections.every((s) => {
    if (s.kind === Kind.FIELD) return allowed.has(s.name.value);
    // Validation has refused fragment cycles and unknown fragments before any resolver runs.
    const inner = s.kind === Kind.INLINE_FRAGMENT ? s.selectionSet : fragments[s.name.value]?.selectionSet;
    return inner !== undefined && setSelectsOnly(inner, fragments, allowed);
  });
}
