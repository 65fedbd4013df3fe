/**
 * What a merchant patch changes on an order, as a pure function: the history entry's `{field: {from, to}}`, the
 * columns to set, and the new lines when they differ. `applyPatch` (order-changes.ts) writes what it returns.
 */
import type { Updateable } from 'kysely';
import type { OrderTable } from '../db/tables.ts';
import type { FieldChanges } from './order-history.ts';
import type { LineFields, OrderPatch } from './order-input.ts';
import { FIELD_COLUMNS, lineFields, type LineRow, type OrderRow } from './order-record.ts';

/** Equal as stored: undefined and null alike, objects by their JSON. */
export const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export interface PatchDiff {
  changes: FieldChanges;
  set: Updateable<OrderTable>;
  /** The lines that replace the current ones; undefined when the patch leaves them as they are. */
  lines?: LineFields[];
}

/**
 * Compares `patch` with the order: scalar fields by value, `delivery` merged into the current one (null clears
 * it), `lines` as a whole list (`currentLines` must be given when the patch has lines). Nothing differs: no changes.
 */
export function diffPatch(row: OrderRow, currentLines: readonly LineRow[] | undefined, patch: OrderPatch): PatchDiff {
  const changes: FieldChanges = {};
  const set: Updateable<OrderTable> = {};
  for (const [field, value] of Object.entries(patch.fields)) {
    const column = FIELD_COLUMNS[field as keyof typeof FIELD_COLUMNS];
    if (!sameValue(row[column], value)) {
      changes[field] = { from: row[column], to: value };
      (set as Record<string, unknown>)[column] = value;
    }
  }
  if (patch.delivery !== undefined) {
    const current = row.delivery ? JSON.parse(row.delivery) : null;
    const next = patch.delivery === null ? null : { ...(current ?? {}), ...patch.delivery };
    if (!sameValue(current, next)) {
      changes.delivery = { from: current, to: next };
      set.delivery = next === null ? null : JSON.stringify(next);
    }
  }
  if (!patch.lines) return { changes, set };
  const current = (currentLines ?? []).map(lineFields);
  if (sameValue(current, patch.lines)) return { changes, set };
  changes.lines = { from: current, to: patch.lines };
  return { changes, set, lines: patch.lines };
}

/**
 * True when applying the patch reads back none of its own writes: it changes only fields (no lines, which are
 * replaced and reassigned as they go; no external reference, whose uniqueness is checked against other orders).
 * Such a change can be written with a batch's, set-based, at the batch's end (deferred-order-writes.ts): the
 * request worker's batches and the merchant's DRAFT batches (draft-update-batch.ts) both ask this.
 */
export function readsNothingBack(patch: OrderPatch): boolean {
  return patch.lines === undefined && patch.fields.externalReference === undefined;
}
