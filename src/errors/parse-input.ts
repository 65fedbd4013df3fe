/**
 * Validates an input with its zod schema; the first problem becomes BAD_USER_INPUT naming the field by its path
 * (`lines[2].quantity`) and the rule, so every input is refused the same way.
 */
import type { z } from 'zod';
import { badInput } from './domain-error.ts';

function fieldPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const message = issue.code === 'unrecognized_keys' ? `has unknown field(s): ${issue.keys.join(', ')}` : issue.message;
    throw badInput(fieldPath(issue.path) || 'input', message);
  }
  return result.data;
}
