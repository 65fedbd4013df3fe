/**
 * Inserts held back on a pipelined PostgreSQL connection (pg-driver.ts `hold`) go out as one statement: every one
 * but the last becomes a data-modifying WITH part, `WITH w0 AS (insert…), w1 AS (insert…) insert…`, its `$n`
 * renumbered after the parts before it. The parts run on one snapshot and cannot see each other's rows, which
 * inserts whose answers nobody reads do not need; a failure of one fails the statement, and so the transaction.
 */

export interface HeldInsert {
  text: string;
  values: readonly unknown[];
  /** Settles the caller's promise: no argument when written, the statement's error when not. */
  done(e?: unknown): void;
}

const INSERT = /^\s*insert\s/i;
/** RETURNING and ON CONFLICT change what a part may do; a literal could hold a `$n` that is not a parameter. */
const NOT_A_PART = /returning|on\s+conflict|'|\$\$/i;

/** Whether an insert's text can be one part of the statement. */
export function mergeable(text: string): boolean {
  return INSERT.test(text) && !NOT_A_PART.test(text);
}

/**
 * The statement's text is built once per sequence of part texts (a trie keyed by the texts themselves: they are
 * the callers' constants, whose hashes V8 keeps), since building it and hashing the result cost more than the rest.
 */
interface Node {
  next: Map<string, Node>;
  text?: string;
}
const root: Node = { next: new Map() };
let nodes = 0;
const MAX_NODES = 200;

export function oneStatement(held: readonly HeldInsert[]): { text: string; values: readonly unknown[] } {
  if (held.length === 1) return held[0];
  const values: unknown[] = [];
  let node: Node | undefined = root;
  for (const h of held) {
    for (const v of h.values) values.push(v);
    let next: Node | undefined = node?.next.get(h.text);
    if (node && !next && nodes < MAX_NODES) {
      next = { next: new Map() };
      node.next.set(h.text, next);
      nodes++;
    }
    node = next;
  }
  if (node?.text !== undefined) return { text: node.text, values };
  const text = buildText(held);
  if (node) node.text = text;
  return { text, values };
}

function buildText(held: readonly HeldInsert[]): string {
  let text = '';
  let offset = 0;
  held.forEach((h, i) => {
    const at = offset;
    const part = at === 0 ? h.text : h.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + at}`);
    offset += h.values.length;
    text += i === held.length - 1 ? ` ${part}` : `${i === 0 ? 'WITH' : ','} w${i} AS (${part})`;
  });
  return text;
}
