/**
 * `npm run soak [-- --short | --minutes N --kills K] [--seed S] [--lanes L]`
 *
 * Mixed load against a real server on loopback (SQLite by default; TEST_DB=postgres with TEST_DATABASE_URL for
 * PostgreSQL), SIGKILLing and restarting the server K times at random moments, then checking that nothing
 * acknowledged was lost. `--short` is about 25 s with 3 kills (what `npm test` runs); the default is 10 minutes
 * with 10 kills. Exits 1 when a check fails.
 */
import { parseArgs } from 'node:util';
import { runSoak } from './soak.ts';

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    minutes: { type: 'string' },
    kills: { type: 'string' },
    seed: { type: 'string' },
    lanes: { type: 'string' },
  },
});

const minutes = values.minutes !== undefined ? Number(values.minutes) : values.short ? 25 / 60 : 10;
const kills = values.kills !== undefined ? Number(values.kills) : values.short ? 3 : 10;
if (!(minutes > 0) || !Number.isInteger(kills) || kills < 0) {
  process.stderr.write('usage: npm run soak -- [--short] [--minutes N] [--kills K] [--seed S] [--lanes L]\n');
  process.exit(2);
}

const result = await runSoak({
  durationMs: minutes * 60_000,
  kills,
  seed: values.seed !== undefined ? Number(values.seed) : undefined,
  merchantLanes: values.lanes !== undefined ? Number(values.lanes) : undefined,
  drainTimeoutMs: values.short ? 150_000 : 300_000,
});
process.exit(result.ok ? 0 : 1);
