#!/usr/bin/env node
// The `ordergraph` command: TypeScript sources run through tsx's loader, so there is no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
// A one-shot command ends by itself once it has closed the database; `serve` and `worker` keep running.
const code = await runCli(process.argv.slice(2));
if (code !== 0) process.exit(code);
