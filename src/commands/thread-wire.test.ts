import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError, notFound } from '../errors/domain-error.ts';
import { actorFromWire, actorToWire, fromWire, toWire, valueFromWire, valueToWire } from './thread-wire.ts';

/** What crossing the port does to a value: the batches travel as JSON text. */
const across = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('thread wire', () => {
  test('JSON values cross unchanged, undefined included', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => assert.deepEqual(valueFromWire(across(valueToWire(v))), v)));
    assert.equal(valueFromWire(across(valueToWire(undefined))), undefined);
  });

  test('a bulk result keeps its refused entries as DomainErrors, in place', () => {
    const sent = [{ id: 1 }, notFound('order', 7), null, { id: 2 }];
    const got = valueFromWire(across(valueToWire(sent))) as unknown[];
    assert.deepEqual(got[0], { id: 1 });
    assert.ok(got[1] instanceof DomainError);
    assert.equal((got[1] as DomainError).code, 'NOT_FOUND');
    assert.equal((got[1] as DomainError).message, 'order 7 was not found');
    assert.deepEqual(got.slice(2), [null, { id: 2 }]);
  });

  test('a DomainError keeps code, message and details; another error its message and stack', () => {
    const domain = fromWire(across(toWire(new DomainError('VERSION_CONFLICT', 'stale', { currentVersion: 3 }))));
    assert.ok(domain instanceof DomainError);
    assert.deepEqual([domain.code, domain.message, domain.details], ['VERSION_CONFLICT', 'stale', { currentVersion: 3 }]);
    const bug = new TypeError('x is undefined');
    const other = fromWire(across(toWire(bug)));
    assert.ok(!(other instanceof DomainError));
    assert.equal(other.message, 'x is undefined');
    assert.equal(other.stack, bug.stack);
  });

  test('an actor keeps its sets', () => {
    const actor = { clientId: 'c', organizationId: 'o', organizationIds: new Set(['o', 'p']), scopes: new Set(['view_orders']) };
    assert.deepEqual(actorFromWire(across(actorToWire(actor))), actor);
    assert.equal(actorFromWire(across(actorToWire(null))), null);
  });
});
