/** `serve` and `worker`: long-running processes that stop cleanly on SIGINT/SIGTERM. */
import type { Config } from '../config.ts';
import { startApp } from '../app.ts';
import { openApp, type App } from '../open-app.ts';
import { seedDemoIfFirstStart } from '../demo/seed-demo.ts';

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

export async function serveCommand(config: Config, opts: { workers: boolean }): Promise<void> {
  const workers = opts.workers && config.workers;
  const demoMode = config.databaseUrl === undefined && config.demo !== false;
  // The demo is for trying things on one machine, where webhook receivers run on localhost (SPEC §6).
  if (demoMode && process.env.ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE === undefined) config = { ...config, webhookAllowPrivate: true };
  if (demoMode) {
    // First start on an empty embedded database: seed the demo and show its credentials.
    const setup = await openApp(config);
    const demo = await seedDemoIfFirstStart(setup.services, config.dataDir);
    await setup.close();
    if (demo) {
      process.stdout.write(
        `\nOrdergraph demo seeded (also in ${config.dataDir}/demo.json):\n${JSON.stringify(demo, null, 2)}\n\n`,
      );
    }
  }
  const app = await startApp(config, { http: true, workers });
  stopOnSignals(app);
  process.stdout.write(`ordergraph listening on http://${config.host}:${config.port} (${app.db.kind}: ${app.db.location})\n`);
}

export async function workerCommand(config: Config): Promise<void> {
  const app = await startApp(config, { http: false, workers: true });
  stopOnSignals(app);
  process.stdout.write(`ordergraph worker ${app.workers?.id} running (${app.db.kind}: ${app.db.location})\n`);
}
