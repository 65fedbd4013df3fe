// The generated resolver types must match the SDL they come from: run `npm run codegen` after editing an SDL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIALECTS, generate } from '../../scripts/codegen.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

for (const dir of DIALECTS) {
  test(`${dir}/schema-types.ts is up to date with ${dir}/schema.graphql`, async () => {
    const current = fs.readFileSync(path.join(root, dir, 'schema-types.ts'), 'utf8');
    assert.equal(current, await generate(dir), 'stale generated types: run `npm run codegen`');
  });
}
