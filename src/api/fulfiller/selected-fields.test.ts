import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode, type FieldNode } from 'graphql';
import { selectsOnly } from './selected-fields.ts';

const ALLOWED = new Set(['id', 'status', '__typename']);

/** `selectsOnly` for the `updateOrders` field of a document. */
function check(document: string): boolean {
  const doc = parse(document);
  const fragments = Object.fromEntries(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const core = op.selectionSet.selections[0] as FieldNode;
  const field = core.selectionSet!.selections[0] as FieldNode;
  return selectsOnly({ fieldNodes: [field], fragments }, ALLOWED);
}

describe('selectsOnly', () => {
  it('accepts plain fields, aliases and fragments that stay inside the allowed set', () => {
    assert.equal(check('mutation { core { updateOrders { id status } } }'), true);
    assert.equal(check('mutation { core { updateOrders { n: id __typename } } }'), true);
    assert.equal(check('mutation { core { updateOrders { ... on Order { id } ...F } } } fragment F on Order { status }'), true);
  });

  it('refuses any other field, also inside fragments or nested', () => {
    assert.equal(check('mutation { core { updateOrders { id items { status } } } }'), false);
    assert.equal(check('mutation { core { updateOrders { id ...F } } } fragment F on Order { customer_name }'), false);
    assert.equal(check('mutation { core { updateOrders { ... on Order { ... on Order { sale_datetime } } } } }'), false);
  });
});
