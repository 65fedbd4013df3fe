/** Relay connections: opaque cursors and bounded page sizes, shared by every list. */
import { badInput } from './errors/domain-error.ts';

export const MAX_PAGE = 100;

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

export function pageSize(first: number | null | undefined): number {
  const n = first ?? 20;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAGE) throw badInput('first', `must be an integer from 0 to ${MAX_PAGE}`);
  return n;
}

export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string, length: number): string[] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === length) return parts.map(String);
  } catch {
    // fall through
  }
  throw badInput('after', 'is not a cursor this list returned');
}

/**
 * Builds a page from rows fetched with `limit(first + 1)`: the extra row only says whether there is a next
 * page. `key` gives the values the cursor encodes (the page's sort key).
 */
export function toConnection<R, T>(
  rows: R[],
  args: { first: number; after?: string | null; totalCount: number },
  key: (row: R) => (string | number)[],
  node: (row: R) => T,
): Connection<T> {
  const edges = rows.slice(0, args.first).map((row) => ({ cursor: encodeCursor(key(row)), node: node(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > args.first,
      hasPreviousPage: Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: args.totalCount,
  };
}
