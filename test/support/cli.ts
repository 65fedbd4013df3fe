/** Runs one-shot `ordergraph` CLI commands (org, client, keys, migrate, demo) against a server's database. */
import { execFile } from 'node:child_process';
import { ORDERGRAPH_BIN, REPO_ROOT } from './paths.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ordergraph ...args` with `env` and reports how it ended; never throws for a non-zero exit. */
export function runCli(env: Record<string, string>, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [ORDERGRAPH_BIN, ...args],
      // About 1 s when the machine is quiet; a CI run at load 35 once saw a call killed at 60 s.
      { cwd: REPO_ROOT, env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error); // spawn failure or timeout
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/**
 * Runs `ordergraph ...args` and returns its output: parsed JSON when stdout is JSON (pass `--json`), else the
 * trimmed text. Throws, with stderr, when the command fails.
 */
export async function cli(env: Record<string, string>, args: string[]): Promise<unknown> {
  const r = await runCli(env, args);
  if (r.code !== 0) {
    throw new Error(`ordergraph ${args.join(' ')} exited with ${r.code}:\n${r.stderr || r.stdout}`);
  }
  const text = r.stdout.trim();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
