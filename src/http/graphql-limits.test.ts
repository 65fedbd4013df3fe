import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphQLError, buildSchema, getIntrospectionQuery, parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { aliasLimitRule, MAX_ALIASES } from './graphql-alias-limit.ts';
import { costLimitRule, MAX_COST } from './graphql-cost-limit.ts';
import { guardDocument, MAX_DUPLICATE_FIELDS } from './graphql-document-guard.ts';
import { formatGraphQLError } from './graphql-errors.ts';
import { graphqlStatus, negotiateMediaType } from './graphql-over-http.ts';
import { DomainError } from '../errors/domain-error.ts';

const api = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../api');
const orders = buildSchema(fs.readFileSync(path.join(api, 'orders/schema.graphql'), 'utf8'));
const fulfiller = buildSchema(fs.readFileSync(path.join(api, 'fulfiller/schema.graphql'), 'utf8'));

function errorsOf(schema: GraphQLSchema, query: string): string[] {
  return validate(schema, parse(query), [...specifiedRules, aliasLimitRule(), costLimitRule()]).map((e) => e.message);
}

const ALL_ORDER_FIELDS = `id number organizationId supplierId externalReference invoiceNumber type dispatchingType priority
  inventoryPolicy state status statusName total totalTaxInclusive totalShipping currency issuedAt
  delivery { type fullname email address addressComplement zipcode city country phone }
  lines { id sku label quantity price vatRate status } comment shippingCarrier shippingMethod shippingTracking locked
  version events { id action clientId requestId changes { field from to } createdAt } createdAt updatedAt`;
const ALL_FULFILLER_FIELDS = `id ref external_ref status status_name shipping_carrier shipping_method shipping_tracking
  shipping_company shipping_address_1 shipping_address_2 shipping_address_3 shipping_address_4 shipping_address_5
  shipping_postcode shipping_country_code customer_name customer_email customer_telephone sale_datetime
  creation_datetime items { id ref external_ref sku description quantity status status_name }`;

describe('alias limit', () => {
  const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { clientId }`).join(' ')} }`;

  it(`allows ${MAX_ALIASES} aliases and refuses one more`, () => {
    assert.deepEqual(errorsOf(orders, aliased(MAX_ALIASES)), []);
    assert.deepEqual(errorsOf(orders, aliased(MAX_ALIASES + 1)), [
      `the document uses more than ${MAX_ALIASES} aliases; split it into several requests`,
    ]);
  });
});

describe('cost limit', () => {
  it('allows every single query at the maximum page sizes, and the introspection query', () => {
    assert.deepEqual(errorsOf(orders, `{ orders(first: 100) { edges { cursor node { ${ALL_ORDER_FIELDS} } } totalCount } }`), []);
    assert.deepEqual(errorsOf(orders, `query($n: Int) { orders(first: $n) { edges { node { ${ALL_ORDER_FIELDS} } } } }`), []);
    assert.deepEqual(errorsOf(fulfiller, `{ core { orders(limit: 500) { ${ALL_FULFILLER_FIELDS} } } }`), []);
    assert.deepEqual(errorsOf(fulfiller, `mutation($o: [OrderInput]) { core { updateOrders(orders: $o) { ${ALL_FULFILLER_FIELDS} } } }`), []);
    assert.deepEqual(errorsOf(orders, getIntrospectionQuery()), []);
  });

  it('refuses what aliases, fragments and nested introspection multiply', () => {
    const pages = Array.from({ length: 100 }, (_, i) => `a${i}: orders(first: 100) { edges { node { id lines { id sku } } } }`);
    assert.match(errorsOf(orders, `{ ${pages.join(' ')} }`).join(), new RegExp(`estimated cost exceeds the limit of ${MAX_COST}`));
    const viaFragments = `query { ...A ...B }
      fragment A on Query { a: orders(first: 100) { ...E } b: orders(first: 100) { ...E } c: orders(first: 100) { ...E } }
      fragment B on Query { d: orders(first: 100) { ...E } e: orders(first: 100) { ...E } f: orders(first: 100) { ...E } }
      fragment E on OrderConnection { edges { node { ${ALL_ORDER_FIELDS} } } }`;
    assert.match(errorsOf(orders, viaFragments).join(), /estimated cost exceeds/);
    const nested = '{ __type(name: "Order") { fields { type { fields { type { fields { type { fields { type { fields { name } } } } } } } } } } }';
    assert.match(errorsOf(orders, nested).join(), /estimated cost exceeds|Maximum introspection depth exceeded/);
  });

  it('terminates on fragment cycles (reported by the standard rule)', () => {
    const errors = errorsOf(orders, 'query { ...A } fragment A on Query { viewer { clientId } ...B } fragment B on Query { ...A }');
    assert.ok(errors.some((m) => /Cannot spread fragment "A" within itself/.test(m)), errors.join());
  });
});

describe('document guard', () => {
  it('accepts parsed documents and refuses JSON syntax trees', () => {
    guardDocument(parse('{ viewer { clientId } }'));
    const ast = JSON.parse(JSON.stringify(parse('{ viewer { clientId } }')));
    assert.throws(() => guardDocument(ast), /a JSON syntax tree is not accepted/);
    assert.throws(() => guardDocument({} as never), GraphQLError);
  });

  it(`refuses a response name selected more than ${MAX_DUPLICATE_FIELDS} times in one selection set`, () => {
    guardDocument(parse(`{ viewer { ${'clientId '.repeat(MAX_DUPLICATE_FIELDS)} } }`));
    assert.throws(() => guardDocument(parse(`{ viewer { ${'clientId '.repeat(MAX_DUPLICATE_FIELDS + 1)} } }`)), /`clientId` is selected more than/);
  });
});

describe('GraphQL over HTTP', () => {
  it('negotiates the response media type', () => {
    assert.equal(negotiateMediaType(undefined), 'application/json');
    assert.equal(negotiateMediaType('*/*'), 'application/json');
    assert.equal(negotiateMediaType('text/html'), 'application/json');
    assert.equal(negotiateMediaType('application/graphql-response+json'), 'application/graphql-response+json');
    assert.equal(negotiateMediaType('application/graphql-response+json, application/json;q=0.9'), 'application/graphql-response+json');
    assert.equal(negotiateMediaType('application/json, application/graphql-response+json;q=0.5'), 'application/json');
    assert.equal(negotiateMediaType('*/*, application/graphql-response+json'), 'application/graphql-response+json');
    assert.equal(negotiateMediaType('application/graphql-response+json;q=0'), 'application/json');
  });

  it('maps a result to its status code', () => {
    const gql = 'application/graphql-response+json' as const;
    const json = 'application/json' as const;
    const validation = { errors: [{ originalError: { code: 'MER_ERR_GQL_VALIDATION', statusCode: 400 } }] };
    assert.deepEqual(graphqlStatus(validation, ['BAD_USER_INPUT'], json), { status: 200 });
    assert.deepEqual(graphqlStatus(validation, ['BAD_USER_INPUT'], gql), { status: 400 });
    assert.deepEqual(graphqlStatus({ data: null, errors: [{}] }, ['NOT_FOUND'], gql), { status: 200 });
    assert.deepEqual(graphqlStatus({ errors: [{}] }, ['BAD_USER_INPUT'], gql), { status: 400 }, 'variables refused by graphql-jit');
    assert.deepEqual(graphqlStatus({ errors: [{ originalError: { code: 'MER_ERR_METHOD_NOT_ALLOWED', statusCode: 405 } }] }, ['BAD_USER_INPUT'], json), {
      status: 405,
      allow: 'POST',
    });
    assert.deepEqual(graphqlStatus({ errors: [{ originalError: { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 } }] }, ['BAD_USER_INPUT'], json), {
      status: 413,
    });
    assert.deepEqual(graphqlStatus({ errors: [{ originalError: new Error('db down') }] }, ['INTERNAL_SERVER_ERROR'], json), { status: 500 });
  });
});

describe('formatGraphQLError', () => {
  const logged: unknown[] = [];
  const log = { error: (...args: unknown[]) => logged.push(args) } as never;

  it('masks unexpected errors behind the request id and logs them', () => {
    const inResolver = new GraphQLError('relation "orders" does not exist', { path: ['orders'], originalError: new Error('relation "orders" does not exist') });
    const outside = new GraphQLError('SQLITE_BUSY: database is locked', { originalError: new Error('SQLITE_BUSY: database is locked') });
    for (const error of [inResolver, outside]) {
      const formatted = formatGraphQLError(error, 'req-1', log);
      assert.equal(formatted.message, 'Internal server error; quote request id req-1 when reporting it');
      assert.deepEqual(formatted.extensions, { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-1' });
      assert.ok(!JSON.stringify(formatted).includes('SQLITE') && !JSON.stringify(formatted).includes('relation'));
    }
    assert.equal(logged.length, 2);
  });

  it('keeps domain errors and requests refused before execution', () => {
    const domain = new GraphQLError('x', { path: ['order'], originalError: new DomainError('NOT_FOUND', 'order "x" was not found') });
    assert.equal(formatGraphQLError(domain, 'r', log).extensions?.code, 'NOT_FOUND');
    const doc = parse('query($d: DateTime) { viewer { clientId } }');
    const variable = new GraphQLError('Variable "$d" got invalid value "x"; a DateTime must be ISO 8601', {
      nodes: doc.definitions[0],
      originalError: new TypeError('a DateTime must be ISO 8601'),
    });
    assert.equal(formatGraphQLError(variable, 'r', log).extensions?.code, 'BAD_USER_INPUT');
    const tooLarge = new GraphQLError('Request body is too large', { originalError: Object.assign(new Error('Request body is too large'), { statusCode: 413 }) });
    assert.equal(formatGraphQLError(tooLarge, 'r', log).extensions?.code, 'BAD_USER_INPUT');
  });
});

describe('NUL characters', () => {
  it('finds the path of the first string or key with U+0000', async () => {
    const { findNul } = await import('./graphql-over-http.ts');
    assert.equal(findNul({ input: { lines: [{ sku: 'a' }, { sku: 'b\u0000' }] } }), 'variables.input.lines[1].sku');
    assert.equal(findNul({ input: { headers: { 'x\u0000': 'v' } } }), 'variables.input.headers (a key)');
    assert.equal(findNul({ input: { comment: 'fine', n: 1, ok: true, none: null } }), undefined);
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 50_000; i++) deep = { a: deep };
    assert.equal(findNul(deep)?.length, 'variables'.length + 2 * 50_000);
  });
});
