#!/usr/bin/env node
// The `ordergraph` command: TypeScript sources run through tsx's loader, so there is no build step.
import v8 from 'node:v8';
import { register } from 'tsx/esm/api';

// Under request load V8's allocation-site pretenuring moves a per-request allocation site to the old generation,
// and each request's young objects then outlive every scavenge through it: a tenth of the server's time went to
// the scavenger. Off: 1.2× the DRAFT `orderUpdate`s a second (docs/architecture.md, "Performance decisions").
v8.setFlagsFromString('--no-allocation-site-pretenuring');

register();
const { runCli } = await import('../src/cli/main.ts');
// A one-shot command ends by itself once it has closed the database; `serve` and `worker` keep running.
const code = await runCli(process.argv.slice(2));
if (code !== 0) process.exit(code);
