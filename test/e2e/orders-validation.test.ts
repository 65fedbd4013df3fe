/**
 * Input validation on the Orders API (SPEC §4, §7): every rule answers HTTP 200 with `extensions.code =
 * BAD_USER_INPUT` and a message naming the field and the rule, on create and on update (DRAFT and OPENED alike —
 * an OPENED order's bad change fails at once, not later by webhook), and a refused input changes nothing. Each
 * test refuses changes to an order of its own, so that one rule applied wrongly fails its own test only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createTenant, expectGraphQLError, orderInput, ORDER_CREATE, uniqueRef, type Order, type Tenant } from '../support/orders-api.ts';

interface Case {
  name: string;
  /** Merged into a valid input (a function gets the valid input and returns the bad one). */
  input: Record<string, unknown> | ((valid: Record<string, unknown>) => Record<string, unknown>);
  /** What the message must name: the field, and the rule. */
  field: RegExp | string;
  rule: RegExp;
}

const line = (over: Record<string, unknown>) => ({ lines: [{ sku: 'A', quantity: 1, price: 1, vatRate: 20, ...over }] });
const delivery = (over: Record<string, unknown>) => (v: Record<string, unknown>) => ({ ...v, delivery: { ...(v.delivery as object), ...over } });

const ISO_4217 = /ISO 4217/;
const ISO_3166 = /ISO 3166-1 alpha-2/;
const NON_NEGATIVE = /zero or more|non-negative|>= ?0|at least 0/i;
const POSITIVE_INT = /positive integer/i;
const ISO_8601 = /ISO 8601/;

/** Rules checked on both create and update. */
const FIELD_RULES: Case[] = [
  { name: 'currency: not a code', input: { currency: 'EURO' }, field: 'currency', rule: ISO_4217 },
  { name: 'currency: unknown code', input: { currency: 'ZZZ' }, field: 'currency', rule: ISO_4217 },
  { name: 'currency: lower case', input: { currency: 'eur' }, field: 'currency', rule: ISO_4217 },
  { name: 'currency: empty', input: { currency: '' }, field: 'currency', rule: ISO_4217 },
  { name: 'country: alpha-3', input: delivery({ country: 'FRA' }), field: 'delivery.country', rule: ISO_3166 },
  { name: 'country: unknown', input: delivery({ country: 'ZZ' }), field: 'delivery.country', rule: ISO_3166 },
  { name: 'country: lower case', input: delivery({ country: 'fr' }), field: 'delivery.country', rule: ISO_3166 },
  { name: 'country: a name', input: delivery({ country: 'France' }), field: 'delivery.country', rule: ISO_3166 },
  { name: 'email: no @', input: delivery({ email: 'jane.example.com' }), field: 'delivery.email', rule: /email/i },
  { name: 'email: no domain', input: delivery({ email: 'jane@' }), field: 'delivery.email', rule: /email/i },
  { name: 'email: spaces', input: delivery({ email: 'jane doe@example.com' }), field: 'delivery.email', rule: /email/i },
  { name: 'quantity 0', input: line({ quantity: 0 }), field: 'lines[0].quantity', rule: POSITIVE_INT },
  { name: 'quantity -1', input: line({ quantity: -1 }), field: 'lines[0].quantity', rule: POSITIVE_INT },
  // 1.5 is not an Int: GraphQL itself refuses it while coercing the variables, naming the path and the type.
  { name: 'quantity 1.5', input: line({ quantity: 1.5 }), field: /lines\[0\]\.quantity/, rule: /integer|Int/ },
  { name: 'quantity as a string', input: line({ quantity: '2' }), field: /lines\[0\]\.quantity/, rule: /integer|Int/ },
  { name: 'quantity of the third line', input: { lines: [{ quantity: 1 }, { quantity: 2 }, { quantity: 0 }] }, field: 'lines[2].quantity', rule: POSITIVE_INT },
  { name: 'total negative', input: { total: -0.01 }, field: 'total', rule: NON_NEGATIVE },
  { name: 'totalTaxInclusive negative', input: { totalTaxInclusive: -1 }, field: 'totalTaxInclusive', rule: NON_NEGATIVE },
  { name: 'totalShipping negative', input: { totalShipping: -5 }, field: 'totalShipping', rule: NON_NEGATIVE },
  { name: 'line price negative', input: line({ price: -1 }), field: 'lines[0].price', rule: NON_NEGATIVE },
  { name: 'line vatRate negative', input: line({ vatRate: -20 }), field: 'lines[0].vatRate', rule: NON_NEGATIVE },
  { name: 'issuedAt: words', input: { issuedAt: 'yesterday' }, field: 'issuedAt', rule: ISO_8601 },
  { name: 'issuedAt: impossible date', input: { issuedAt: '2026-13-45T10:00:00Z' }, field: 'issuedAt', rule: ISO_8601 },
  { name: 'issuedAt: US format', input: { issuedAt: '11/22/2026' }, field: 'issuedAt', rule: ISO_8601 },
  { name: 'issuedAt: a number', input: { issuedAt: 1764000000 }, field: 'issuedAt', rule: ISO_8601 },
  { name: 'priority: unknown enum value', input: { priority: 'URGENT' }, field: /priority|PriorityEnum/, rule: /URGENT|enum|PriorityEnum/ },
  { name: 'delivery type: unknown enum value', input: delivery({ type: 'DRONE' }), field: /delivery\.type|DeliveryTypeEnum/, rule: /DRONE|enum/ },
  { name: 'supplierId: not a UUID', input: { supplierId: 'acme' }, field: 'supplierId', rule: /UUID/ },
  { name: 'organizationId: not a UUID', input: { organizationId: 'acme' }, field: 'organizationId', rule: /UUID/ },
  { name: 'externalReference: empty', input: { externalReference: '' }, field: 'externalReference', rule: /empty/ },
  { name: 'comment: too long', input: { comment: 'x'.repeat(5001) }, field: 'comment', rule: /at most/ },
  { name: 'phone: letters', input: delivery({ phone: 'call me' }), field: 'delivery.phone', rule: /phone/ },
];

/** Unknown fields are refused by GraphQL itself while coercing the variables. */
const UNKNOWN_FIELDS: Case[] = [
  { name: 'unknown top-level field', input: { color: 'red' }, field: 'color', rule: /not defined|unknown/i },
  { name: 'unknown delivery field', input: delivery({ street: 'Main St' }), field: 'street', rule: /not defined|unknown/i },
  { name: 'unknown line field', input: line({ discount: 5 }), field: 'discount', rule: /not defined|unknown/i },
  { name: 'snake_case instead of camelCase', input: { external_reference: 'X' }, field: 'external_reference', rule: /not defined|unknown/i },
];

describe('Orders API input validation', () => {
  let server: TestServer;
  let t: Tenant;

  before(async () => {
    server = await startServer();
    t = await createTenant(server);
  });
  after(() => server?.stop());

  /** A new order of the test's own, read back with its history. */
  const newOrder = async (over: Record<string, unknown> = {}): Promise<Order> => t.api.order((await t.api.create(orderInput(over))).id);
  const newDraft = () => newOrder();
  const newOpened = () => newOrder({ state: 'OPENED' });

  /** Asserts a refused update changed nothing: the order reads exactly as before, history included. */
  async function unchanged(order: Order): Promise<void> {
    assert.deepEqual(await t.api.order(order.id), order, 'a refused update changes nothing');
  }

  function checkError(r: Awaited<ReturnType<typeof t.api.tryCreate>>, c: Case, mutation: string): void {
    const e = expectGraphQLError(r, 'BAD_USER_INPUT', [c.field, c.rule], { field: mutation });
    assert.equal(e.extensions?.code, 'BAD_USER_INPUT');
    assert.doesNotMatch(e.message, /at Object\.|node_modules|SELECT |INSERT /, 'no stack or SQL in the message');
  }

  describe('orderCreate', () => {
    for (const c of [...FIELD_RULES, ...UNKNOWN_FIELDS]) {
      test(`${c.name} → BAD_USER_INPUT naming the field and the rule`, async () => {
        const valid = orderInput();
        const input = typeof c.input === 'function' ? c.input(valid) : { ...valid, ...c.input };
        const r = await t.api.tryCreate(input);
        checkError(r, c, 'orderCreate');
        expectGraphQLError(await t.api.tryOrderByRef(valid.externalReference as string), 'NOT_FOUND', [], { field: 'order' });
      });
    }

    test('valid edge values are accepted: quantity 1, money 0, lower bounds', async () => {
      const order = await t.api.create(
        orderInput({ total: 0, totalTaxInclusive: 0, totalShipping: 0, lines: [{ quantity: 1, price: 0, vatRate: 0 }], currency: 'JPY' }),
      );
      assert.equal(order.total, 0);
      assert.equal(order.lines[0].price, 0);
      assert.equal(order.currency, 'JPY');
    });

    test('issuedAt accepts ISO 8601 with an offset and keeps the instant', async () => {
      const order = await t.api.create(orderInput({ issuedAt: '2026-11-22T12:00:00+02:00' }));
      assert.equal(Date.parse(order.issuedAt!), Date.parse('2026-11-22T10:00:00Z'));
    });

    test('no lines at all → BAD_USER_INPUT naming lines', async () => {
      const { lines: _l, ...input } = orderInput();
      expectGraphQLError(await t.api.tryCreate(input), 'BAD_USER_INPUT', ['lines', /at least one/], { field: 'orderCreate' });
    });

    test('an empty lines list → BAD_USER_INPUT naming lines', async () => {
      expectGraphQLError(await t.api.tryCreate(orderInput({ lines: [] })), 'BAD_USER_INPUT', ['lines', /at least one/], { field: 'orderCreate' });
    });

    test('lines: null → BAD_USER_INPUT naming lines', async () => {
      expectGraphQLError(await t.api.tryCreate(orderInput({ lines: null })), 'BAD_USER_INPUT', ['lines'], { field: 'orderCreate' });
    });

    test('a line without quantity → BAD_USER_INPUT naming quantity', async () => {
      const r = await t.api.tryCreate(orderInput({ lines: [{ sku: 'A' }] }));
      expectGraphQLError(r, 'BAD_USER_INPUT', ['quantity']);
    });

    test('id on create → BAD_USER_INPUT naming id', async () => {
      const r = await t.api.tryCreate(orderInput({ id: '11111111-1111-4111-8111-111111111111' }));
      expectGraphQLError(r, 'BAD_USER_INPUT', ['id'], { field: 'orderCreate' });
    });

    test('expectedVersion on create → BAD_USER_INPUT naming expectedVersion', async () => {
      expectGraphQLError(await t.api.tryCreate(orderInput({ expectedVersion: 1 })), 'BAD_USER_INPUT', ['expectedVersion'], { field: 'orderCreate' });
    });

    test('externalReference is unique per organization', async () => {
      const ref = uniqueRef('DUP');
      const first = await t.api.create(orderInput({ externalReference: ref }));
      const r = await t.api.tryCreate(orderInput({ externalReference: ref }));
      expectGraphQLError(r, 'BAD_USER_INPUT', ['externalReference', /unique/], { field: 'orderCreate' });
      const page = await t.api.orders({ filter: { externalReference: ref } });
      assert.equal(page.totalCount, 1);
      assert.equal(page.edges[0].node.id, first.id);
    });

    test('the same externalReference is fine in another organization', async () => {
      const other = await createTenant(server);
      const ref = uniqueRef('SHARED');
      const mine = await t.api.create(orderInput({ externalReference: ref }));
      const theirs = await other.api.create(orderInput({ externalReference: ref }));
      assert.notEqual(mine.id, theirs.id);
      assert.equal((await t.api.orderByRef(ref)).id, mine.id);
      assert.equal((await other.api.orderByRef(ref)).id, theirs.id);
    });

    test('an unknown field in an inline literal (no variables) is refused by GraphQL too', async () => {
      const r = await t.api.call('mutation { orderCreate(input: { lines: [{ quantity: 1 }], colour: "red" }) { id } }');
      expectGraphQLError(r, 'BAD_USER_INPUT', ['colour', /not defined|unknown/i]);
    });

    test('a negative total in an inline literal is refused with the field named', async () => {
      const r = await t.api.call('mutation { orderCreate(input: { lines: [{ quantity: 1 }], total: -3 }) { id } }');
      expectGraphQLError(r, 'BAD_USER_INPUT', ['total', NON_NEGATIVE]);
    });

    test('a missing input is refused by GraphQL', async () => {
      const r = await t.api.call(ORDER_CREATE, {});
      expectGraphQLError(r, 'BAD_USER_INPUT', [/input/]);
    });
  });

  describe('orderUpdate of a DRAFT order', () => {
    for (const c of [...FIELD_RULES, ...UNKNOWN_FIELDS]) {
      test(`${c.name} → BAD_USER_INPUT naming the field and the rule, nothing changed`, async () => {
        const draft = await newDraft();
        const valid = { id: draft.id, comment: 'should not be applied', delivery: { city: 'Nantes' } };
        const input = typeof c.input === 'function' ? c.input(valid) : { ...valid, ...c.input };
        const r = await t.api.tryUpdate(input);
        checkError(r, c, 'orderUpdate');
        await unchanged(draft);
      });
    }

    test('state is not allowed on update → BAD_USER_INPUT naming state', async () => {
      const draft = await newDraft();
      for (const state of ['OPENED', 'COMPLETED', 'DRAFT']) {
        const r = await t.api.tryUpdate({ id: draft.id, state });
        expectGraphQLError(r, 'BAD_USER_INPUT', ['state'], { field: 'orderUpdate' });
      }
      assert.equal((await t.api.order(draft.id)).state, 'DRAFT');
      await unchanged(draft);
    });

    test('id that is not a UUID → BAD_USER_INPUT naming id', async () => {
      for (const id of ['not-a-uuid', '123', '550e8400-e29b-41d4-a716-44665544000Z', '']) {
        const r = await t.api.tryUpdate({ id, comment: 'x' });
        expectGraphQLError(r, 'BAD_USER_INPUT', ['id', /UUID/], { field: 'orderUpdate' });
      }
    });

    test('neither id nor externalReference → BAD_USER_INPUT naming both', async () => {
      const r = await t.api.tryUpdate({ comment: 'which order?' });
      expectGraphQLError(r, 'BAD_USER_INPUT', ['id', 'externalReference'], { field: 'orderUpdate' });
    });

    test('an empty lines list on update → BAD_USER_INPUT naming lines', async () => {
      const draft = await newDraft();
      expectGraphQLError(await t.api.tryUpdate({ id: draft.id, lines: [] }), 'BAD_USER_INPUT', ['lines'], { field: 'orderUpdate' });
      await unchanged(draft);
    });

    test('externalReference taken by another order of the organization → BAD_USER_INPUT', async () => {
      const ref = uniqueRef('TAKEN');
      const draft = await newDraft();
      await t.api.create(orderInput({ externalReference: ref }));
      const r = await t.api.tryUpdate({ id: draft.id, externalReference: ref });
      expectGraphQLError(r, 'BAD_USER_INPUT', ['externalReference', /unique/], { field: 'orderUpdate' });
      await unchanged(draft);
    });

    test('expectedVersion below 1 → BAD_USER_INPUT naming expectedVersion', async () => {
      const draft = await newDraft();
      const r = await t.api.tryUpdate({ id: draft.id, comment: 'x', expectedVersion: 0 });
      expectGraphQLError(r, 'BAD_USER_INPUT', ['expectedVersion'], { field: 'orderUpdate' });
      await unchanged(draft);
    });
  });

  describe('orderUpdate of an OPENED order fails at once, not by webhook', () => {
    for (const c of FIELD_RULES) {
      test(`${c.name} → BAD_USER_INPUT at once, nothing changed`, async () => {
        const opened = await newOpened();
        const valid = { id: opened.id, comment: 'should not be applied' };
        const input = typeof c.input === 'function' ? c.input(valid) : { ...valid, ...c.input };
        checkError(await t.api.tryUpdate(input), c, 'orderUpdate');
        await unchanged(opened);
      });
    }

    test('state is not allowed on update of an OPENED order either', async () => {
      const opened = await newOpened();
      expectGraphQLError(await t.api.tryUpdate({ id: opened.id, state: 'COMPLETED' }), 'BAD_USER_INPUT', ['state'], { field: 'orderUpdate' });
      await unchanged(opened);
    });

    test('a taken externalReference is refused at once', async () => {
      const ref = uniqueRef('TAKEN2');
      const opened = await newOpened();
      await t.api.create(orderInput({ externalReference: ref }));
      expectGraphQLError(await t.api.tryUpdate({ id: opened.id, externalReference: ref }), 'BAD_USER_INPUT', ['externalReference'], { field: 'orderUpdate' });
      await unchanged(opened);
    });
  });

  describe('ids of orderOpen, orderCancel, orderRequestFulfillment and order(id)', () => {
    for (const id of ['not-a-uuid', "'; DROP TABLE orders; --", '']) {
      test(`${JSON.stringify(id)} is refused cleanly (BAD_USER_INPUT or NOT_FOUND, never an internal error)`, async () => {
        for (const r of [await t.api.tryOpen(id), await t.api.tryCancel(id), await t.api.tryRequestFulfillment(id), await t.api.tryOrder(id)]) {
          assert.equal(r.status, 200, JSON.stringify(r.body));
          const code = r.body.errors?.[0]?.extensions?.code;
          assert.ok(code === 'BAD_USER_INPUT' || code === 'NOT_FOUND', JSON.stringify(r.body));
        }
      });
    }
  });
});
