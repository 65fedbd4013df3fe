/**
 * The soak: mixed load against a real server on loopback for a bounded time, SIGKILLing the server at random
 * moments and restarting it on the same data, then — once the background work has drained — checking from the
 * database that nothing acknowledged was lost (see invariants.ts). Used by `npm run soak` (run.ts) and, in its
 * short form, by test/e2e/soak-short.test.ts.
 */
import { startServer, type TestServer } from '../test/support/test-server.ts';
import { createClient, createOrganization, getToken } from '../test/support/oauth.ts';
import { openDirectDb } from '../test/support/direct-db.ts';
import { gql } from '../test/support/graphql.ts';
import { Ledger } from './ledger.ts';
import { fulfillerLane, merchantLane, type LoadContext } from './load.ts';
import { runChecks } from './invariants.ts';
import type { Check } from './check.ts';
import { runSplitChecks } from './split-checks.ts';
import { splitLane } from './split-lane.ts';
import { startReceiver } from './receiver.ts';
import { startNoisyTenant, type NoisyTenant } from './noisy-tenant.ts';
import { DEFAULT_FAIRNESS } from '../src/jobs/workers.ts';
import { RETENTION_WINDOW_MS, seedArchive, sizeStableCheck, startSizeSampler, steadyStateEnv } from './steady-state.ts';

export interface SoakOptions {
  durationMs: number;
  kills: number;
  merchantLanes?: number;
  seed?: number;
  /** How long to wait for PENDING requests and webhook deliveries after the load (ms). */
  drainTimeoutMs?: number;
  log?: (line: string) => void;
  /** Steady-state mode (steady-state.ts): one-minute retention windows, paced load, the size check. */
  retention?: {
    /** Orders imported into an archive tenant before the load. */
    archiveOrders: number;
    /** Pause of each lane before each request (ms). */
    pauseMs: number;
    /** Every retention window (ms); default a minute. A day shows what the size does without retention. */
    windowMs?: number;
  };
}

export interface SoakResult {
  ok: boolean;
  checks: Check[];
  report: string;
}

/** A small seeded generator (mulberry32), so a run can be replayed with --seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `count` kill times within the middle 80% of the run, sorted. */
function killTimes(count: number, durationMs: number, random: () => number): number[] {
  return Array.from({ length: count }, () => durationMs * (0.1 + 0.8 * random())).sort((a, b) => a - b);
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = seeded(seed);
  const receiver = await startReceiver({ failureRate: 0.03, random });
  let server: TestServer | undefined;
  let noisy: NoisyTenant | undefined;
  try {
    server = await startServer({
      env: {
        ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true',
        ORDERGRAPH_WEBHOOK_RETRY_BASE_MS: '200',
        // A killed worker's claimed jobs wait this long before another claim: short, so the soak drains quickly.
        ORDERGRAPH_JOB_LEASE_MS: '5000',
        ...(opts.retention ? steadyStateEnv(opts.retention.windowMs ?? RETENTION_WINDOW_MS) : {}),
      },
    });
    const s = server;
    log(`soak: ${s.dbKind}, ${Math.round(opts.durationMs / 1000)} s, ${opts.kills} kill(s), seed ${seed}, server ${s.url}, receiver ${receiver.url}`);
    if (opts.retention) await seedArchive(s, opts.retention.archiveOrders, log);

    const supplier = await createOrganization(s, { kind: 'SUPPLIER' });
    const merchant = await createOrganization(s, { kind: 'MERCHANT', defaultSupplier: supplier.id });
    const merchantClient = await createClient(s, { org: merchant.id, scopes: 'view_orders create_orders edit_orders edit_integrations view_delivery_orders edit_delivery_orders' });
    const fulfillerScopes = 'order-it.order-manager.view order-it.order-manager.edit';
    const supplierClient = await createClient(s, { org: supplier.id, scopes: fulfillerScopes, access: [merchant.id] });
    const merchantToken = await getToken(s.url, merchantClient);
    const supplierToken = await getToken(s.url, supplierClient);
    // A second supplier, connected to the merchant, for the split orders (split-lane.ts).
    const second = await createOrganization(s, { kind: 'SUPPLIER' });
    await s.cli(['org', 'connect', '--merchant', merchant.id, '--supplier', second.id, '--json']);
    const secondToken = await getToken(s.url, await createClient(s, { org: second.id, scopes: fulfillerScopes, access: [merchant.id] }));
    const split = { merchantToken, first: { id: supplier.id, token: supplierToken }, second: { id: second.id, token: secondToken } };

    let webhookId: string | undefined;
    const hook = await gql(s.url, merchantToken, 'mutation($input: WebhookInput!) { webhookCreate(input: $input) { id secret } }', {
      input: { endpoint: receiver.url },
    });
    if (hook.body?.data?.webhookCreate) {
      webhookId = hook.body.data.webhookCreate.id;
      receiver.setSecret(hook.body.data.webhookCreate.secret);
    } else {
      log(`webhooks: not available (${JSON.stringify(hook.body).slice(0, 200)}); running without`);
    }

    // A second tenant whose receiver never answers, creating orders all along (see noisy-tenant.ts).
    noisy = await startNoisyTenant(s, opts.retention ? { burstEveryMs: 60_000 } : undefined);

    const ledger = new Ledger();
    let stopped = false;
    const ctx: LoadContext = { url: s.url, merchantToken, supplierToken, ledger, random, stopped: () => stopped, opened: [], pauseMs: opts.retention?.pauseMs, bulkMax: opts.retention ? 5 : undefined };
    const sizeDb = opts.retention ? await openDirectDb(s) : undefined;
    const sampler = sizeDb ? startSizeSampler(s, sizeDb, () => ledger.counts.requests, log) : undefined;
    const started = Date.now();
    const lanes = [...Array.from({ length: opts.merchantLanes ?? 4 }, (_, i) => merchantLane(ctx, i)), fulfillerLane(ctx), splitLane(ctx, split, 0), noisy.lane(() => stopped)];

    const kills: string[] = [];
    let upSince = Date.now();
    for (const at of killTimes(opts.kills, opts.durationMs, random)) {
      // The server gets at least 1-3 s of load between two kills, however long a restart took.
      const wait = Math.max(started + at - Date.now(), upSince + 1000 + 2000 * random() - Date.now());
      if (wait > 0) await sleep(wait);
      const t = ((Date.now() - started) / 1000).toFixed(1);
      await s.kill('SIGKILL');
      const down = Date.now();
      await s.restart();
      upSince = Date.now();
      kills.push(`${t} s (down ${((Date.now() - down) / 1000).toFixed(1)} s)`);
      log(`  killed at ${t} s, back after ${((Date.now() - down) / 1000).toFixed(1)} s; ${ledger.counts.requests} requests so far`);
    }
    const rest = started + opts.durationMs - Date.now();
    if (rest > 0) await sleep(rest);
    stopped = true;
    await sampler?.stop();
    await sizeDb?.close();
    await Promise.all(lanes);
    const loadSeconds = (Date.now() - started) / 1000;
    const noisyHeld = noisy.receiver.maxOpen;
    await noisy.stop();
    log(`load stopped after ${loadSeconds.toFixed(1)} s; noisy tenant's webhook deleted; draining requests and deliveries`);

    const db = await openDirectDb(s);
    try {
      const drainStart = Date.now();
      const deadline = drainStart + (opts.drainTimeoutMs ?? 120_000);
      for (;;) {
        const [{ n: pending }] = await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM dispatchable_requests WHERE state = 'PENDING'");
        const [{ n: queued }] = await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE state = 'queued' AND kind <> 'retention.prune'");
        if (Number(pending) === 0 && Number(queued) === 0) break;
        if (Date.now() > deadline) {
          log(`drain: gave up with ${pending} PENDING requests and ${queued} queued jobs`);
          break;
        }
        await sleep(250);
      }
      log(`drained in ${((Date.now() - drainStart) / 1000).toFixed(1)} s`);
      // With retention on, rows older than the window may be gone: the checks then read only what must remain.
      const keptSince = opts.retention ? Date.now() - (opts.retention.windowMs ?? RETENTION_WINDOW_MS) + 5_000 : undefined;
      const checks = [...(await runChecks(db, ledger, merchant.id, webhookId, webhookId ? receiver : undefined, keptSince)), ...(await runSplitChecks(db, merchant.id))];
      if (sampler) checks.push(sizeStableCheck(sampler.samples));
      const output = s.output();
      const crash = /uncaught|unhandledRejection|"level":60/i.exec(output);
      checks.push({ name: 'no uncaught exception in the server output', detail: `${output.length} characters of recent output read`, problems: crash ? [output.slice(Math.max(0, crash.index - 200), crash.index + 800)] : [] });

      checks.push({
        name: 'the noisy tenant never held more deliveries open than its organization cap',
        detail: `at most ${noisyHeld} open at once at its receiver (cap ${DEFAULT_FAIRNESS.perOrganization})`,
        problems: noisyHeld > DEFAULT_FAIRNESS.perOrganization ? [`${noisyHeld} open at once`] : [],
      });
      // Reported, not checked: it includes the kills (restart, then the 5 s lease) and the 503s sent on purpose.
      const latency = percentiles(receiver.latencies);

      const c = ledger.counts;
      const lines = [
        `soak on ${s.dbKind}: ${loadSeconds.toFixed(0)} s of load, ${kills.length} SIGKILLs (at ${kills.join(', ')}), seed ${seed}`,
        `load: ${c.requests} requests (${c.lostAnswers} answers lost to kills), ${(c.requests / loadSeconds).toFixed(0)} req/s`,
        `  orders created ${c.creates}; DRAFT updates applied at once ${c.syncUpdates}; PENDING updates ${c.asyncUpdates}; opens ${c.opens}; ` +
          `fulfilment requests ${c.fulfilments}; cancels ${c.cancels}; bulk fulfiller calls ${c.bulkCalls} (${c.bulkOrdersUpdated} order updates applied)`,
        `  split orders ${c.splitOrders}: parts rejected ${c.rejections}, reroutes asked ${c.reroutes}; shipments sent ${c.shipments}`,
        `noisy tenant: ${noisy.created} orders created, its receiver never answers; ${noisy.receiver.received} deliveries tried, ` +
          `at most ${noisyHeld} open at once`,
        `quiet tenant's deliveries, event → arrival (${receiver.latencies.length}): p50 ${latency.p50} ms, p95 ${latency.p95} ms, ` +
          `p99 ${latency.p99} ms, max ${latency.max} ms (kills and deliberate 503s included)`,
        'checks:',
        ...checks.flatMap((k) => [`  ${k.problems.length === 0 ? 'PASS' : 'FAIL'}  ${k.name}: ${k.detail}`, ...k.problems.map((p) => `        ${p}`)]),
      ];
      const ok = checks.every((k) => k.problems.length === 0);
      lines.push(ok ? 'RESULT: PASS' : 'RESULT: FAIL');
      const report = lines.join('\n');
      log(report);
      return { ok, checks, report };
    } finally {
      await db.close();
    }
  } finally {
    await server?.stop();
    await noisy?.receiver.stop();
    await receiver.close();
  }
}

/** Nearest-rank percentiles of `values` (ms). */
function percentiles(values: number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.at(-1) ?? 0 };
}
