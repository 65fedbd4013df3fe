/**
 * Two rules of the house that a reviewer would otherwise have to remember (docs/architecture.md, "The rules"):
 * dialect SQL stays in src/db/, and resolvers return domain views typed by the codegen mappers, never cast.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = path.dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function offending(files: string[], pattern: RegExp): string[] {
  return files.flatMap((f) =>
    fs
      .readFileSync(f, 'utf8')
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) ? [`${path.relative(SRC, f)}:${i + 1}: ${line.trim()}`] : [])),
  );
}

test('nothing outside src/db/ tests which database it runs on', () => {
  const files = sources(SRC).filter((f) => !f.startsWith(path.join(SRC, 'db') + path.sep));
  assert.deepEqual(offending(files, /kind === '(postgres|sqlite)'/), []);
});

test('no resolver casts its result with `as never`', () => {
  assert.deepEqual(offending(sources(path.join(SRC, 'api')), /\bas never\b/), []);
});
