/**
 * Every rule of `order-input.ts`, through its two entry points (`parseCreateInput`, `parseUpdateInput`): each
 * bad value is a DomainError BAD_USER_INPUT whose message names the field's path and the rule, and whose
 * `details.field` is that path. Limits are checked at their edge and, with fast-check, over their whole range.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError } from '../errors/domain-error.ts';
import { COUNTRIES, CURRENCIES } from './iso-codes.ts';
import { parseCreateInput, parseUpdateInput } from './order-input.ts';

const ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const LINE = { sku: 'SKU-1', label: 'Shirt', quantity: 1, price: 10, vatRate: 20 };

/** A valid create input with `over` merged in (`delivery` and the first line merged one level deeper). */
function create(over: Record<string, unknown> = {}, delivery: Record<string, unknown> = {}, line: Record<string, unknown> = {}) {
  return { delivery: { city: 'Lyon', ...delivery }, lines: [{ ...LINE, ...line }], ...over };
}

/** The refusal `fn` throws; fails when it does not throw a BAD_USER_INPUT DomainError. */
function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DomainError, `a DomainError, not ${e}`);
    assert.equal(e.code, 'BAD_USER_INPUT');
    return e;
  }
  assert.fail('the input was accepted');
}

/** Asserts the input is refused naming `field` (message and details) and the rule. */
function refused(input: unknown, field: string, rule: RegExp | string, parse: (i: unknown) => unknown = parseCreateInput): void {
  const e = refusal(() => parse(input));
  assert.equal(e.details?.field, field, e.message);
  assert.ok(e.message.startsWith(`\`${field}\` `), `${e.message} names ${field} first`);
  if (typeof rule === 'string') assert.ok(e.message.includes(rule), `${e.message} says ${rule}`);
  else assert.match(e.message, rule);
}

const TEXT_LIMITS: [string, number, (v: string) => unknown][] = [
  ['externalReference', 255, (v) => create({ externalReference: v })],
  ['invoiceNumber', 255, (v) => create({ invoiceNumber: v })],
  ['comment', 5000, (v) => create({ comment: v })],
  ['delivery.fullname', 255, (v) => create({}, { fullname: v })],
  ['delivery.address', 500, (v) => create({}, { address: v })],
  ['delivery.addressComplement', 500, (v) => create({}, { addressComplement: v })],
  ['delivery.zipcode', 32, (v) => create({}, { zipcode: v })],
  ['delivery.city', 255, (v) => create({}, { city: v })],
  ['lines[0].sku', 255, (v) => create({}, {}, { sku: v })],
  ['lines[0].label', 500, (v) => create({}, {}, { label: v })],
];

const MONEY: [string, (n: number) => unknown][] = [
  ['total', (n) => create({ total: n })],
  ['totalTaxInclusive', (n) => create({ totalTaxInclusive: n })],
  ['totalShipping', (n) => create({ totalShipping: n })],
  ['lines[0].price', (n) => create({}, {}, { price: n })],
  ['lines[0].vatRate', (n) => create({}, {}, { vatRate: n })],
];

describe('text limits', () => {
  for (const [field, max, input] of TEXT_LIMITS) {
    it(`${field}: ${max} characters are accepted, ${max + 1} refused`, () => {
      parseCreateInput(input('x'.repeat(max)));
      refused(input('x'.repeat(max + 1)), field, `must be at most ${max} characters`);
    });
  }

  it('every length is accepted exactly up to the limit (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TEXT_LIMITS), fc.nat({ max: 5100 }), ([field, max, input], length) => {
        if (field === 'externalReference' && length === 0) return; // its own rule: must not be empty
        const value = 'é'.repeat(length);
        if (length <= max) parseCreateInput(input(value));
        else refused(input(value), field, `must be at most ${max} characters`);
      }),
      { numRuns: 300 },
    );
  });

  it('externalReference must not be empty; null clears it', () => {
    refused(create({ externalReference: '' }), 'externalReference', 'must not be empty');
    assert.equal(parseCreateInput(create({ externalReference: null })).patch.fields.externalReference, null);
  });
});

describe('numbers', () => {
  // Numbers as JSON and GraphQL can carry them: no NaN, no infinities.
  const jsonNumber = fc.double({ noNaN: true, noDefaultInfinity: true });

  it('money is accepted when zero or more, and refused otherwise (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MONEY), jsonNumber, ([field, input], n) => {
        if (n >= 0) parseCreateInput(input(n));
        else refused(input(n), field, 'must be zero or more');
      }),
      { numRuns: 500 },
    );
    for (const [field, input] of MONEY) {
      parseCreateInput(input(0));
      refused(input(-0.01), field, 'must be zero or more');
    }
  });

  it('a line quantity must be a positive integer (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), jsonNumber), (q) => {
        if (Number.isInteger(q) && q > 0) assert.equal(parseCreateInput(create({}, {}, { quantity: q })).patch.lines![0].quantity, q);
        else refused(create({}, {}, { quantity: q }), 'lines[0].quantity', 'must be a positive integer');
      }),
      { numRuns: 500 },
    );
  });

  it('names the index of the bad line', () => {
    refused({ lines: [LINE, LINE, { ...LINE, quantity: 0 }] }, 'lines[2].quantity', 'must be a positive integer');
  });

  it('at most 1,000 lines', () => {
    assert.equal(parseCreateInput({ lines: Array.from({ length: 1000 }, () => LINE) }).patch.lines!.length, 1000);
    refused({ lines: Array.from({ length: 1001 }, () => LINE) }, 'lines', 'must have at most 1000 lines');
  });

  it('expectedVersion is an integer of 1 or more, on updates only', () => {
    assert.equal(parseUpdateInput({ id: ID, expectedVersion: 1 }).patch.expectedVersion, 1);
    refused({ id: ID, expectedVersion: 0 }, 'expectedVersion', 'must be 1 or more', parseUpdateInput);
    refused(create({ expectedVersion: 3 }), 'expectedVersion', 'applies to updates only');
  });
});

describe('codes and formats', () => {
  it('currency: exactly the ISO 4217 codes (property over three-letter strings)', () => {
    parseCreateInput(create({ currency: 'EUR' }));
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z]{3}$/), (c) => {
        if (CURRENCIES.has(c)) parseCreateInput(create({ currency: c }));
        else refused(create({ currency: c }), 'currency', 'must be an ISO 4217 currency code (e.g. EUR)');
      }),
    );
    for (const c of ['', 'EURO', 'eur']) refused(create({ currency: c }), 'currency', 'ISO 4217');
  });

  it('country: exactly the ISO 3166-1 alpha-2 codes', () => {
    for (const c of COUNTRIES) parseCreateInput(create({}, { country: c }));
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z]{1,3}$/), (c) => {
        if (COUNTRIES.has(c)) parseCreateInput(create({}, { country: c }));
        else refused(create({}, { country: c }), 'delivery.country', 'must be an ISO 3166-1 alpha-2 country code (e.g. FR)');
      }),
    );
  });

  it('email: one @, a dot in the domain, no spaces, at most 254 characters', () => {
    for (const ok of ['jane@example.com', 'a.b+c@sub.example.co.uk']) parseCreateInput(create({}, { email: ok }));
    for (const bad of ['jane.example.com', 'jane@', 'jane doe@example.com', 'jane@example', '@example.com']) {
      refused(create({}, { email: bad }), 'delivery.email', 'must be an email address');
    }
    const long = `${'a'.repeat(243)}@example.com`; // 255 characters
    refused(create({}, { email: long }), 'delivery.email', 'must be at most 254 characters');
    parseCreateInput(create({}, { email: long.slice(1) }));
  });

  it('phone: 3 to 32 of digits, spaces, ( ) . - after an optional +', () => {
    for (const ok of ['+33 1 23 45 67 89', '(555) 123-4567', '123', '0'.repeat(32)]) parseCreateInput(create({}, { phone: ok }));
    for (const bad of ['call me', '12', '0'.repeat(33), '+', '1-800-FLOWERS']) {
      refused(create({}, { phone: bad }), 'delivery.phone', 'must be a phone number');
    }
  });

  it('ids are UUIDs', () => {
    for (const field of ['organizationId', 'supplierId']) refused(create({ [field]: 'acme' }), field, 'must be a UUID');
    refused({ id: 'acme', comment: 'x' }, 'id', 'must be a UUID', parseUpdateInput);
    const parsed = parseCreateInput(create({ organizationId: ID, supplierId: ID }));
    assert.equal(parsed.organizationId, ID);
    assert.equal(parsed.patch.fields.supplierId, ID);
  });

  it('delivery type is PERSON or RELAY_POINT', () => {
    parseCreateInput(create({}, { type: 'RELAY_POINT' }));
    refused(create({}, { type: 'DRONE' }), 'delivery.type', /./);
  });
});

describe('unknown fields', () => {
  it('are refused, named, at every level', () => {
    refused(create({ color: 'red' }), 'input', 'has unknown field(s): color');
    refused(create({}, { street: 'Main St' }), 'delivery', 'has unknown field(s): street');
    refused(create({}, {}, { discount: 5 }), 'lines[0]', 'has unknown field(s): discount');
  });
});

describe('create', () => {
  it('needs at least one line', () => {
    refused({ comment: 'no lines' }, 'lines', 'must contain at least one line');
    refused({ lines: [] }, 'lines', 'must contain at least one line');
    refused({ lines: null }, 'lines', 'must contain at least one line');
  });

  it('refuses an id, and state COMPLETED; OPENED opens', () => {
    refused(create({ id: ID }), 'id', 'must not be given on create');
    refused(create({ state: 'COMPLETED' }), 'state', 'must be DRAFT or OPENED on create');
    assert.equal(parseCreateInput(create({ state: 'OPENED' })).open, true);
    assert.equal(parseCreateInput(create({ state: 'DRAFT' })).open, false);
    assert.equal(parseCreateInput(create()).open, false);
  });

  it('fills a line’s absent fields with null', () => {
    assert.deepEqual(parseCreateInput({ lines: [{ quantity: 2 }] }).patch.lines, [{ sku: null, label: null, quantity: 2, price: null, vatRate: null, supplierId: null }]);
  });
});

describe('update', () => {
  it('targets by id, or by externalReference (which is then not a change)', () => {
    assert.deepEqual(parseUpdateInput({ id: ID, comment: 'x' }).target, { id: ID });
    const byRef = parseUpdateInput({ externalReference: 'REF-1', comment: 'x' });
    assert.deepEqual(byRef.target, { externalReference: 'REF-1' });
    assert.equal('externalReference' in byRef.patch.fields, false);
    assert.equal(parseUpdateInput({ id: ID, externalReference: 'NEW' }).patch.fields.externalReference, 'NEW', 'with an id, it is a change');
    refused({ comment: 'which order?' }, 'id', '`externalReference` is required', parseUpdateInput);
  });

  it('refuses state and an empty lines list', () => {
    for (const state of ['DRAFT', 'OPENED', 'COMPLETED']) refused({ id: ID, state }, 'state', 'cannot be changed by orderUpdate', parseUpdateInput);
    refused({ id: ID, lines: [] }, 'lines', 'must contain at least one line when given', parseUpdateInput);
  });

  it('a given field is set, null clears it, an absent one is left alone (property)', () => {
    const FIELDS = ['invoiceNumber', 'comment', 'priority', 'type', 'dispatchingType', 'inventoryPolicy'] as const;
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...FIELDS), fc.option(fc.string({ maxLength: 20 }), { nil: null })), (dictionary) => {
        const given = { ...dictionary };
        const { patch } = parseUpdateInput({ id: ID, ...given });
        assert.deepEqual(patch.fields, given);
        assert.equal(patch.lines, undefined);
        assert.equal('delivery' in patch, false);
      }),
    );
    assert.equal(parseUpdateInput({ id: ID, delivery: null }).patch.delivery, null);
    assert.deepEqual(parseUpdateInput({ id: ID, delivery: { city: 'Nantes' } }).patch.delivery, { city: 'Nantes' });
  });
});
