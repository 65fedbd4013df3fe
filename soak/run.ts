/**
 * `npm run soak [-- --short | --minutes N --kills K] [--seed S] [--lanes L] [--retention [--archive N] [--pause-ms P] [--window S]]`
 *
 * Mixed load against a real server on loopback (SQLite by default; TEST_DB=postgres with TEST_DATABASE_URL for
 * PostgreSQL), SIGKILLing and restarting the server K times at random moments, then checking that nothing
 * acknowledged was lost. `--short` is about 25 s with 3 kills (what `npm test` runs); the default is 10 minutes
 * with 10 kills. `--retention` is the steady-state mode of steady-state.ts (no kills unless --kills says so: a
 * restart takes 10-40 s on a loaded machine, and the load would not be steady): one-minute retention windows, an
 * archive tenant of N imported orders (default 100,000), each lane pausing P ms (default 250) before each request (fulfiller batches of 1–5 orders),
 * the database size printed every minute, and a check that the size at the end is within 10 % of the size at
 * half-time; `--window S` sets every retention window to S seconds (default 60; 86400 shows the size without
 * retention). Exits 1 when a check fails.
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
    retention: { type: 'boolean', default: false },
    archive: { type: 'string', default: '100000' },
    'pause-ms': { type: 'string', default: '250' },
    window: { type: 'string', default: '60' },
  },
});

const minutes = values.minutes !== undefined ? Number(values.minutes) : values.short ? 25 / 60 : 10;
const kills = values.kills !== undefined ? Number(values.kills) : values.short ? 3 : values.retention ? 0 : 10;
const archiveOrders = Number(values.archive);
const pauseMs = Number(values['pause-ms']);
const windowSeconds = Number(values.window);
if (!(minutes > 0) || !Number.isInteger(kills) || kills < 0 || !Number.isInteger(archiveOrders) || archiveOrders < 0 || !(pauseMs >= 0) || !(windowSeconds > 0)) {
  process.stderr.write('usage: npm run soak -- [--short] [--minutes N] [--kills K] [--seed S] [--lanes L] [--retention [--archive N] [--pause-ms P] [--window S]]\n');
  process.exit(2);
}

const result = await runSoak({
  durationMs: minutes * 60_000,
  kills,
  seed: values.seed !== undefined ? Number(values.seed) : undefined,
  merchantLanes: values.lanes !== undefined ? Number(values.lanes) : undefined,
  drainTimeoutMs: values.short ? 150_000 : 300_000,
  retention: values.retention ? { archiveOrders, pauseMs, windowMs: windowSeconds * 1000 } : undefined,
});
process.exit(result.ok ? 0 : 1);
