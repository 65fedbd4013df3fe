/**
 * One `info` line per change a client asks for (a GraphQL mutation): request id, client, operation and the ids of
 * what it targets, plus the error codes if it was refused. Never field values: they hold personal data (names,
 * addresses) and secrets (webhook secrets and headers).
 */
import { getOperationAST, valueFromASTUntyped, type DocumentNode, type FieldNode } from 'graphql';

/** Argument keys that name what a change targets (both dialects). */
const TARGET_KEYS = new Set(['id', 'orderId', 'deliveryOrderId', 'shipmentId', 'webhookId', 'supplierId', 'externalReference', 'order_id', 'order_external_ref']);
const MAX_TARGETS = 10;

function collect(value: unknown, into: string[], depth: number): void {
  if (into.length >= MAX_TARGETS || depth > 2 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, into, depth + 1);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (TARGET_KEYS.has(key) && (typeof v === 'string' || typeof v === 'number')) {
      if (into.length < MAX_TARGETS) into.push(`${key}=${v}`);
    } else {
      collect(v, into, depth + 1);
    }
  }
}

/** The ids a mutation's root fields (and the fulfiller's `core` fields) name in their arguments; undefined for queries. */
export function changeTargets(document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown> | undefined): string[] | undefined {
  const op = getOperationAST(document, operationName);
  if (op?.operation !== 'mutation') return undefined;
  const fields: FieldNode[] = [];
  for (const s of op.selectionSet.selections) {
    if (s.kind !== 'Field') continue;
    if (s.name.value === 'core' && s.selectionSet) fields.push(...s.selectionSet.selections.filter((i): i is FieldNode => i.kind === 'Field'));
    else fields.push(s);
  }
  const targets: string[] = [];
  for (const field of fields) {
    const args = Object.fromEntries((field.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value, variables)]));
    collect(args, targets, 0);
  }
  return targets;
}
