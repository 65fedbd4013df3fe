/** `serve` and `worker`: long-running processes that stop cleanly on SIGINT/SIGTERM. */
import fs from 'node:fs';
import type { Config } from '../config.ts';
import { embeddedDatabaseFile } from '../db/database.ts';
import { startApp } from '../app.ts';
import { openApp, type App } from '../open-app.ts';
import { seedDemoIfFirstStart, type Demo } from '../demo/seed-demo.ts';

function stopOnSignals(app: App): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`ordergraph: ${signal}, stopping\n`);
    await app.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/**
 * Whether this start seeds the demo: the first start of an embedded database (its file does not exist yet), not
 * switched off, never in production; seed-demo.ts also checks that the database holds no organization. The demo
 * changes no safety setting: the SSRF guard stays on unless ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE=true is set.
 */
function demoSeedsNow(config: Config): boolean {
  if (config.databaseUrl !== undefined || config.demo === false || config.production) return false;
  return !fs.existsSync(embeddedDatabaseFile(config.dataDir));
}

const WEBHOOK_TOUR_HINT =
  'Webhook endpoints on private and loopback addresses (such as a receiver on 127.0.0.1) are refused.\n' +
  'For the webhook tour on this machine, restart with ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE=true ' +
  '(e.g. `ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE=true npm start`); never on a server others can reach.\n';

export async function serveCommand(config: Config, opts: { workers: boolean }): Promise<void> {
  const workers = opts.workers && config.workers;
  let demo: Demo | undefined;
  if (demoSeedsNow(config)) {
    const setup = await openApp(config);
    demo = await seedDemoIfFirstStart(setup.services, config.dataDir, { sandbox: config.sandbox });
    await setup.close();
  }
  // The server's first log line says where to reach it (app.ts `howToReach`); the demo's credentials follow.
  const app = await startApp(config, { http: true, workers });
  stopOnSignals(app);
  process.stdout.write(`ordergraph listening on http://${config.host}:${config.port} (${app.db.kind}: ${app.db.location})\n`);
  if (demo) {
    process.stdout.write(
      `\nOrdergraph demo seeded (also in ${config.dataDir}/demo.json):\n${JSON.stringify(demo, null, 2)}\n\n` +
        (config.webhookAllowPrivate ? '' : `${WEBHOOK_TOUR_HINT}\n`),
    );
  }
}

export async function workerCommand(config: Config): Promise<void> {
  const app = await startApp(config, { http: false, workers: true });
  stopOnSignals(app);
  process.stdout.write(`ordergraph worker ${app.workers?.id} running (${app.db.kind}: ${app.db.location})\n`);
}
