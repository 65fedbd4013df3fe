/**
 * Which supplier each line goes to when an order opens (SPEC §8): the line's own `supplierId`, else the order's,
 * else the merchant's default. Pure: the caller writes the delivery orders.
 */
import { badInput, type DomainError } from '../errors/domain-error.ts';

export interface SplitPart {
  supplierId: string;
  /** Indexes of the order's lines, in line order. */
  lines: number[];
}

/** The parts, in the order their suppliers first appear; a line with no supplier refuses the open, naming it. */
export function splitBySupplier(
  lines: readonly { supplier_id: string | null; sku: string | null }[],
  orderSupplierId: string | null,
  defaultSupplierId: string | null,
): SplitPart[] | DomainError {
  const fallback = orderSupplierId ?? defaultSupplierId;
  if (lines.length === 0) {
    if (!fallback) return noSupplier();
    return [{ supplierId: fallback, lines: [] }];
  }
  const parts = new Map<string, SplitPart>();
  for (let i = 0; i < lines.length; i++) {
    const supplierId = lines[i].supplier_id ?? fallback;
    if (!supplierId) {
      if (lines.every((l) => !l.supplier_id)) return noSupplier();
      const sku = lines[i].sku ? ` (sku ${lines[i].sku})` : '';
      return badInput(
        `lines[${i}].supplierId`,
        `line ${i + 1}${sku} has no supplier: give the line a supplierId, the order a supplierId, or the merchant a default supplier`,
      );
    }
    const part = parts.get(supplierId);
    if (part) part.lines.push(i);
    else parts.set(supplierId, { supplierId, lines: [i] });
  }
  return [...parts.values()];
}

// The order-level message of before delivery orders, for orders whose lines name no supplier.
const noSupplier = () =>
  badInput('supplierId', 'is needed to open the order: set it on the order or give the merchant a default supplier');
