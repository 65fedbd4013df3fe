import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createOrganization } from '../organizations/organizations.ts';
import { endSession, findLiveSession, startSession } from './sessions.ts';
import { createUser, disableUser } from './users.ts';
import { passwordMatches } from './passwords.ts';

const policy = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };
const MIN = 60_000;

describe('dashboard sessions', () => {
  let dir: string;
  let db: Db;
  let userId: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-sessions-'));
    db = openDatabase({ dataDir: dir });
    await migrateToLatest(db);
    const org = await createOrganization(db.kysely, { name: 'Shop', kind: 'MERCHANT' });
    const { user } = await createUser(db.kysely, { organizationId: org.id, email: 'a@example.com', role: 'operator', password: 'correct horse battery' });
    userId = user.id;
  });
  after(async () => {
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores a scrypt hash that matches only the password', async () => {
    const row = await db.kysely.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirstOrThrow();
    assert.match(row.password_hash, /^scrypt\$32768\$8\$3\$/);
    assert.equal(await passwordMatches('correct horse battery', row.password_hash), true);
    assert.equal(await passwordMatches('correct horse batterY', row.password_hash), false);
  });

  it('ends after the idle time without a request; a request within it keeps it alive', async () => {
    const { token } = await startSession(db.kysely, userId);
    const t0 = Date.now();
    assert.ok(await findLiveSession(db.kysely, token, policy, t0 + 20 * MIN), 'used after 20 min');
    assert.ok(await findLiveSession(db.kysely, token, policy, t0 + 45 * MIN), 'alive: last seen 25 min earlier');
    assert.equal(await findLiveSession(db.kysely, token, policy, t0 + 80 * MIN), undefined, 'idle 35 min');
    assert.equal(await findLiveSession(db.kysely, token, policy, t0 + 21 * MIN), undefined, 'ended for good');
  });

  it('ends at the absolute limit however busy it is', async () => {
    const { token } = await startSession(db.kysely, userId);
    const t0 = Date.now();
    for (let t = 20; t < 12 * 60; t += 20) assert.ok(await findLiveSession(db.kysely, token, policy, t0 + t * MIN), `alive at ${t} min`);
    assert.equal(await findLiveSession(db.kysely, token, policy, t0 + 12 * 60 * MIN + MIN), undefined);
  });

  it('ends at sign-out, and when the user is disabled', async () => {
    const a = await startSession(db.kysely, userId);
    const b = await startSession(db.kysely, userId);
    const live = await findLiveSession(db.kysely, a.token, policy);
    assert.ok(live);
    await endSession(db.kysely, live);
    assert.equal(await findLiveSession(db.kysely, a.token, policy), undefined);
    assert.ok(await findLiveSession(db.kysely, b.token, policy));
    await disableUser(db.kysely, 'A@example.com');
    assert.equal(await findLiveSession(db.kysely, b.token, policy), undefined);
  });

  it('knows no session for a made-up token', async () => {
    assert.equal(await findLiveSession(db.kysely, 'made-up', policy), undefined);
  });
});
