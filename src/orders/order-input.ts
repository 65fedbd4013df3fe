/**
 * Validates an OrderInput (the same type for create and update) into an OrderPatch: the fields to set, with
 * `null` meaning "clear" and an absent key meaning "leave as is". Messages name the field and the rule.
 * GraphQL has already checked types and enums; this checks what GraphQL cannot express.
 */
import { z } from 'zod';
import { badInput, DomainError } from '../errors/domain-error.ts';
import { parseInput } from '../errors/parse-input.ts';
import { COUNTRIES, CURRENCIES } from './iso-codes.ts';

export interface DeliveryFields {
  type?: string | null;
  fullname?: string | null;
  email?: string | null;
  address?: string | null;
  addressComplement?: string | null;
  zipcode?: string | null;
  city?: string | null;
  country?: string | null;
  phone?: string | null;
}

export interface LineFields {
  sku: string | null;
  label: string | null;
  quantity: number;
  price: number | null;
  vatRate: number | null;
  /** The supplier this line goes to (else the order's, else the merchant's default). */
  supplierId: string | null;
}

export interface OrderPatch {
  fields: OrderFields;
  /** Merged into the current delivery; null clears it. */
  delivery?: DeliveryFields | null;
  /** Replaces every line. */
  lines?: LineFields[];
  expectedVersion?: number;
}

const text = (max: number) => z.string().max(max, { message: `must be at most ${max} characters` });
const money = z
  .number()
  .refine(Number.isFinite, { message: 'must be a finite number' })
  .refine((n) => n >= 0, { message: 'must be zero or more' });
const nullable = <T extends z.ZodTypeAny>(t: T) => t.nullable().optional();

const deliverySchema = z
  .object({
    type: nullable(z.enum(['PERSON', 'RELAY_POINT'])),
    fullname: nullable(text(255)),
    email: nullable(
      z.string().max(254, { message: 'must be at most 254 characters' }).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: 'must be an email address' }),
    ),
    address: nullable(text(500)),
    addressComplement: nullable(text(500)),
    zipcode: nullable(text(32)),
    city: nullable(text(255)),
    country: nullable(
      z.string().refine((c) => COUNTRIES.has(c), { message: 'must be an ISO 3166-1 alpha-2 country code (e.g. FR)' }),
    ),
    phone: nullable(z.string().regex(/^\+?[0-9 ().\-]{3,32}$/, { message: 'must be a phone number (digits, spaces, + ( ) . -)' })),
  })
  .strict();

const lineSchema = z
  .object({
    sku: nullable(text(255)),
    label: nullable(text(500)),
    quantity: z
      .number()
      .refine((n) => Number.isInteger(n) && n > 0, { message: 'must be a positive integer' }),
    price: nullable(money),
    vatRate: nullable(money),
    supplierId: nullable(z.string().uuid({ message: 'must be a UUID' })),
  })
  .strict();

/**
 * The scalar order fields a merchant sets, by API name, with their rules: the one list of them. Their types
 * (`OrderFields`), columns (`FIELD_COLUMNS`: the names in snake_case) and views are derived from it.
 */
const FIELD_RULES = {
  externalReference: nullable(text(255).min(1, { message: 'must not be empty' })),
  supplierId: nullable(z.string().uuid({ message: 'must be a UUID' })),
  invoiceNumber: nullable(text(255)),
  type: nullable(z.string()),
  dispatchingType: nullable(z.string()),
  priority: nullable(z.string()),
  inventoryPolicy: nullable(z.string()),
  total: nullable(money),
  totalTaxInclusive: nullable(money),
  totalShipping: nullable(money),
  currency: nullable(z.string().refine((c) => CURRENCIES.has(c), { message: 'must be an ISO 4217 currency code (e.g. EUR)' })),
  issuedAt: nullable(z.string()),
  comment: nullable(text(5000)),
};

/** Scalar order fields a merchant may set, by their API names. */
export type OrderFields = { [K in keyof typeof FIELD_RULES]?: Exclude<z.output<(typeof FIELD_RULES)[K]>, undefined> };
export const ORDER_FIELDS = Object.keys(FIELD_RULES) as (keyof OrderFields)[];

const inputSchema = z
  .object({
    id: nullable(z.string().uuid({ message: 'must be a UUID' })),
    organizationId: nullable(z.string().uuid({ message: 'must be a UUID' })),
    ...FIELD_RULES,
    state: nullable(z.string()),
    delivery: nullable(deliverySchema),
    lines: nullable(z.array(lineSchema).max(1000, { message: 'must have at most 1000 lines' })),
    expectedVersion: nullable(z.number().int().min(1, { message: 'must be 1 or more' })),
  })
  .strict();

export type RawOrderInput = z.input<typeof inputSchema>;

function linesOf(lines: z.output<typeof lineSchema>[]): LineFields[] {
  return lines.map((l) => ({
    sku: l.sku ?? null,
    label: l.label ?? null,
    quantity: l.quantity,
    price: l.price ?? null,
    vatRate: l.vatRate ?? null,
    supplierId: l.supplierId ?? null,
  }));
}

function patchOf(data: z.output<typeof inputSchema>): OrderPatch {
  const fields: OrderFields = {};
  for (const key of ORDER_FIELDS) if (key in data) (fields as Record<string, unknown>)[key] = data[key] ?? null;
  const patch: OrderPatch = { fields };
  if ('delivery' in data) patch.delivery = data.delivery ?? null;
  if (data.lines != null) patch.lines = linesOf(data.lines);
  if (data.expectedVersion != null) patch.expectedVersion = data.expectedVersion;
  return patch;
}

/** A create: at least one line; `state` DRAFT or OPENED. */
export function parseCreateInput(input: unknown): { patch: OrderPatch; organizationId?: string; open: boolean } {
  const data = parseInput(inputSchema, input);
  if (data.id != null) throw badInput('id', 'must not be given on create; the server assigns it');
  if (!data.lines || data.lines.length === 0) throw badInput('lines', 'must contain at least one line');
  if (data.state === 'COMPLETED') throw badInput('state', 'must be DRAFT or OPENED on create');
  if (data.expectedVersion != null) throw badInput('expectedVersion', 'applies to updates only');
  return { patch: patchOf(data), organizationId: data.organizationId ?? undefined, open: data.state === 'OPENED' };
}

/** An update: targets the order by id or externalReference; only the fields given change. */
export function parseUpdateInput(input: unknown): {
  target: { id: string } | { externalReference: string };
  organizationId?: string;
  patch: OrderPatch;
} {
  const data = parseInput(inputSchema, input);
  if (data.state != null) throw badInput('state', 'cannot be changed by orderUpdate; use orderOpen or orderCancel');
  if (data.lines && data.lines.length === 0) throw badInput('lines', 'must contain at least one line when given');
  const patch = patchOf(data);
  if (data.id) return { target: { id: data.id }, organizationId: data.organizationId ?? undefined, patch };
  if (!data.externalReference) {
    throw new DomainError('BAD_USER_INPUT', '`id` or `externalReference` is required to target the order', { field: 'id' });
  }
  // The external reference names the order here, so it is not a change.
  delete patch.fields.externalReference;
  return { target: { externalReference: data.externalReference }, organizationId: data.organizationId ?? undefined, patch };
}
