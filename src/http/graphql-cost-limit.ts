/**
 * Validation rule: a static cost estimate per operation, refused above `max`. Every field costs 1 for each item
 * of the lists above it. A field with a page-size argument (`first`, `limit`) multiplies what is under it by the
 * page size — as given, the schema default when absent, the maximum when it is a variable — and a connection's
 * own `edges` list is that page. Any other list counts as DEFAULT_LIST_SIZE items, or as LIST_SIZES says.
 * It bounds what aliases and fragments can multiply (100 aliased `orders(first: 100)` with their lines);
 * every single query at the maximum page sizes stays well below the limit. Documented in docs/graphql-over-http.md.
 */
import {
  GraphQLError,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type GraphQLNamedType,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';

export const MAX_COST = 150_000;
export const DEFAULT_LIST_SIZE = 10;
/** Page-size arguments and their maxima (the domain refuses larger pages). */
export const PAGE_SIZE_ARGS: Record<string, number> = { first: 100, limit: 500 };
/** Lists bounded by something other than a page size: `updateOrders` takes at most 1,000 orders. */
export const LIST_SIZES: Record<string, number> = { 'CoreMutation.updateOrders': 1000 };

/** Introspection's entry points are not among the root type's fields. */
const META_FIELDS: Record<string, GraphQLField<unknown, unknown>> = { __schema: SchemaMetaFieldDef, __type: TypeMetaFieldDef };

function listSize(parent: string, def: GraphQLField<unknown, unknown>, node: FieldNode, inPage: boolean): { size: number; page: boolean } {
  const isList = isListType(getNullableType(def.type));
  for (const [name, maxSize] of Object.entries(PAGE_SIZE_ARGS)) {
    const arg = def.args.find((a) => a.name === name);
    if (!arg) continue;
    const given = node.arguments?.find((a) => a.name.value === name)?.value;
    let n = maxSize;
    if (!given) n = typeof arg.defaultValue === 'number' ? arg.defaultValue : maxSize;
    else if (given.kind === Kind.INT) n = Number(given.value);
    return { size: Math.min(Math.max(n, 0), maxSize), page: !isList };
  }
  if (!isList) return { size: 1, page: false };
  if (inPage) return { size: 1, page: false }; // the connection's edges: already counted by its page size
  return { size: LIST_SIZES[`${parent}.${def.name}`] ?? DEFAULT_LIST_SIZE, page: false };
}

/** The operation's estimated cost; stops counting soon after it passes `stopAbove`. */
export function estimateCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  getFragment: (name: string) => FragmentDefinitionNode | undefined | null,
  stopAbove = Infinity,
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  // Linear in the document: a fragment's cost is computed once.
  const costOf = (set: SelectionSetNode, parent: GraphQLNamedType, inPage: boolean): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (total > stopAbove) break;
      if (selection.kind === Kind.FIELD) {
        total += 1;
        const fields = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields() : undefined;
        const def = META_FIELDS[selection.name.value] ?? fields?.[selection.name.value];
        if (!selection.selectionSet || !def) continue;
        const { size, page } = listSize(parent.name, def, selection, inPage);
        if (size > 0) total += size * costOf(selection.selectionSet, getNamedType(def.type), page);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += costOf(selection.selectionSet, type ?? parent, inPage);
      } else {
        const name = selection.name.value;
        const key = `${name}:${inPage}`;
        const known = memo.get(key);
        if (known !== undefined) {
          total += known;
          continue;
        }
        const fragment = getFragment(name);
        if (!fragment || visiting.has(name)) continue; // unknown or cyclic: other rules report it
        visiting.add(name);
        const cost = costOf(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? parent, inPage);
        visiting.delete(name);
        memo.set(key, cost);
        total += cost;
      }
    }
    return total;
  };
  return costOf(operation.selectionSet, root, false);
}

export function costLimitRule(max = MAX_COST): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      if (estimateCost(context.getSchema(), operation, (name) => context.getFragment(name), max) > max) {
        context.reportError(
          new GraphQLError(
            `the operation's estimated cost exceeds the limit of ${max}: every field counts once per item of the lists ` +
              `above it (\`first\`/\`limit\` as given, up to ${PAGE_SIZE_ARGS.first}/${PAGE_SIZE_ARGS.limit}; other lists ` +
              `${DEFAULT_LIST_SIZE} items; \`updateOrders\` ${LIST_SIZES['CoreMutation.updateOrders']}); ask for smaller pages, ` +
              'fewer fields or fewer aliases',
            { nodes: operation },
          ),
        );
      }
    },
  });
}
