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
