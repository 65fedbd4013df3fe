/**
 * The soak's short mode (`npm run soak -- --short`): ~25 s of mixed load with 3 SIGKILLs and restarts, then the
 * durability checks of soak/invariants.ts. The long mode and its last output are in docs/reliability.md.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak } from '../../soak/soak.ts';

it('loses nothing acknowledged across 3 SIGKILLs under mixed load', async () => {
  const lines: string[] = [];
  const result = await runSoak({
    durationMs: 25_000,
    kills: 3,
    drainTimeoutMs: 150_000,
    seed: process.env.SOAK_SEED ? Number(process.env.SOAK_SEED) : undefined,
    log: (line) => {
      lines.push(line);
      process.stdout.write(`# ${line.split('\n').join('\n# ')}\n`);
    },
  });
  assert.ok(result.ok, result.report);
  assert.ok(result.checks.length >= 7, 'every check ran');
});
