/**
 * `ordergraph demo` is re-runnable: the demo recorded in DATA_DIR/demo.json, when its merchant is still in the
 * database, is the demo (its secrets are only in that file: the database keeps hashes). `--reset` retires it —
 * its clients are revoked, its orders and history stay — before a new one is seeded.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Executor } from '../db/database.ts';
import { revokeClient } from '../auth/clients.ts';
import type { Demo } from './seed-demo.ts';

export const demoFile = (dataDir: string) => path.join(dataDir, 'demo.json');

/** The recorded demo, if its file is readable and its merchant organization exists in this database. */
export async function existingDemo(db: Executor, dataDir: string): Promise<Demo | undefined> {
  let demo: Demo;
  try {
    demo = JSON.parse(fs.readFileSync(demoFile(dataDir), 'utf8')) as Demo;
  } catch {
    return undefined;
  }
  const orgId = demo?.merchant?.org_id;
  if (typeof orgId !== 'string') return undefined;
  const org = await db.selectFrom('organizations').select('id').where('id', '=', orgId).executeTakeFirst();
  return org ? demo : undefined;
}

/** Revokes the recorded demo's clients, so its printed credentials stop working. */
export async function retireDemo(db: Executor, demo: Demo): Promise<void> {
  for (const side of [demo.merchant, demo.supplier]) if (side?.client_id) await revokeClient(db, side.client_id);
}
