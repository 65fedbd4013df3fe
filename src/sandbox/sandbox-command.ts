/** `ordergraph sandbox --supplier ORG [--speed N] [--faults …] [--seed S] | --off`: simulate a supplier (SPEC §12). */
import type { Command } from 'commander';
import { badInput } from '../errors/domain-error.ts';
import { print, withApp } from '../cli/admin-commands.ts';
import { faultsText } from './sandbox-faults.ts';
import { disableSandbox, enableSandbox, type Sandbox } from './sandbox-suppliers.ts';

interface Options {
  supplier: string;
  speed?: string;
  faults?: string;
  seed?: string;
  off?: boolean;
  json?: boolean;
}

export function sandboxJson(s: Sandbox) {
  return { supplier_id: s.organizationId, sandbox: true, client_id: s.clientId, speed: s.speed, seed: s.seed, faults: s.faults };
}

export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description("simulate a supplier: the workers accept, produce, ship and track its delivery orders through the fulfiller API's commands")
    .requiredOption('--supplier <id>', 'the SUPPLIER organization to simulate')
    .option('--speed <n>', 'how much faster than the default schedule (steps a few seconds apart) to go', '1')
    .option('--faults <rates>', 'fault rates from 0 to 1: reject, qc, hold, partial, refuse-cancel (e.g. reject=0.05,partial=0.3)')
    .option('--seed <seed>', 'every random choice derives from it (default: the supplier id), so a replay takes the same path')
    .option('--off', 'stop simulating the supplier')
    .option('--json', 'machine-readable output')
    .action((o: Options) =>
      withApp(async ({ db }) => {
        if (o.off) {
          if (o.faults !== undefined || o.seed !== undefined || o.speed !== '1') throw badInput('off', 'takes no --speed, --faults or --seed');
          const was = await disableSandbox(db.kysely, o.supplier);
          print(o.json, { supplier_id: o.supplier, sandbox: false }, `supplier ${o.supplier} ${was ? 'is no longer simulated' : 'was not simulated'}`);
          return;
        }
        const speed = Number(o.speed);
        if (!/^\d+(\.\d+)?$/.test(o.speed ?? '')) throw badInput('speed', `must be a positive number, e.g. 10; got "${o.speed}"`);
        const s = await enableSandbox(db.kysely, o.supplier, { speed, faults: o.faults, seed: o.seed });
        print(o.json, sandboxJson(s), `supplier ${s.organizationId} is simulated (speed ${s.speed}, faults ${faultsText(s.faults)}, seed ${s.seed}) as client ${s.clientId}`);
      }),
    );
}
