/**
 * Checks a parsed document before graphql-js validates it (a Mercurius `preValidation` hook):
 * - only documents parsed from GraphQL text run. Mercurius falls back to `JSON.parse` when the text is not
 *   GraphQL and would validate whatever object that gives as an AST — a second, unchecked query language.
 * - one selection set may not ask for the same response name more than MAX_DUPLICATE_FIELDS times:
 *   `{ viewer { id } viewer { id } ... }` costs graphql-js quadratic work to merge and means nothing more.
 */
import { GraphQLError, Kind, Location, type DocumentNode, type SelectionSetNode } from 'graphql';

export const MAX_DUPLICATE_FIELDS = 10;

/** The first response name selected too often in one selection set (iterative: documents may nest deeply). */
function duplicateField(root: SelectionSetNode | undefined): string | undefined {
  const stack = root ? [root] : [];
  while (stack.length > 0) {
    const set = stack.pop()!;
    const seen = new Map<string, number>();
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        const name = s.alias?.value ?? s.name.value;
        const n = (seen.get(name) ?? 0) + 1;
        if (n > MAX_DUPLICATE_FIELDS) return name;
        seen.set(name, n);
      }
      if (s.kind !== Kind.FRAGMENT_SPREAD && s.selectionSet) stack.push(s.selectionSet);
    }
  }
  return undefined;
}

/** Throws a GraphQLError (a BAD_USER_INPUT at the edge) when the document must not be validated. */
export function guardDocument(document: DocumentNode): void {
  if (!(document?.loc instanceof Location) || !Array.isArray(document.definitions)) {
    throw new GraphQLError('`query` must be a GraphQL document (a JSON syntax tree is not accepted)');
  }
  for (const definition of document.definitions) {
    const name = duplicateField('selectionSet' in definition ? definition.selectionSet : undefined);
    if (name) {
      throw new GraphQLError(`\`${name}\` is selected more than ${MAX_DUPLICATE_FIELDS} times in one selection set; select it once`);
    }
  }
}
