import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema, parse } from 'graphql';
import { KnownDocuments } from './graphql-fast-path.ts';

const schema = buildSchema('type Query { a: Int b: Int }');
const root = { a: 1, b: 2 };

describe('KnownDocuments', () => {
  it('compiles a document at its second validated sight, for the operation asked', async () => {
    const docs = new KnownDocuments(() => schema);
    const text = 'query A { a } query B { b }';
    docs.validated(text, 'B', parse(text));
    assert.equal(docs.get(text, 'B')?.run, undefined);
    docs.validated(text, 'B', parse(text));
    assert.deepEqual(await docs.get(text, 'B')?.run?.(root, {}, {}), { data: { b: 2 } });
    assert.equal(docs.get(text, 'A'), undefined, 'another operation of the same text is its own entry');
  });

  it('never confuses an operation name with the start of a query text', () => {
    assert.notEqual(KnownDocuments.key('{ a }', 'x'), KnownDocuments.key('1:x:{ a }', undefined));
    assert.notEqual(KnownDocuments.key('{ a }', undefined), KnownDocuments.key('{ a }', ''));
  });

  it('keeps at most 1,000 texts, the oldest out first', () => {
    const docs = new KnownDocuments(() => schema);
    for (let i = 0; i <= 1000; i++) docs.validated(`{ a${' '.repeat(i)}}`, undefined, parse('{ a }'));
    assert.equal(docs.size, 1000);
    assert.equal(docs.get('{ a}', undefined), undefined);
    assert.ok(docs.get(`{ a${' '.repeat(1000)}}`, undefined));
  });
});
