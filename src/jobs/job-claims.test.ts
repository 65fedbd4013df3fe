/**
 * The claim's scheduling rules (db/sql/claim-jobs.ts), on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL
 * too.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase, type TestDbKind } from '../../test/support/test-database.ts';
import { systemCtx, withTransaction, type Services } from '../context.ts';
import { openDatabase, type Db } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { cancelQueuedJobs, claimJobs, completeJob, enqueueJobs, retryJob, type NewJob } from './job-queue.ts';

const kinds: TestDbKind[] = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

for (const kind of kinds) describe(`claiming jobs: lanes, caps per group and organization, failing groups (${kind})`, () => {
  let testDb: TestDatabase;
  let db: Db;
  let services: Services;
  const limits = { kinds: ['deliver'], limit: 50, leaseMs: 60_000, perGroup: 3, perOrganization: 5, failingAfter: 5, candidatesPerSlot: undefined as number | undefined };
  const claim = async (over: Partial<typeof limits> = {}) => claimJobs(db, 'test', { ...limits, ...over });
  const enqueue = (jobs: NewJob[]) => withTransaction(systemCtx(services), (tctx) => enqueueJobs(tctx, jobs));
  const job = (organizationId: string, group: string, n: number, kind = 'deliver'): NewJob[] =>
    Array.from({ length: n }, (_, i) => ({ kind, group, organizationId, queueKey: `${group}:${i}`, payload: { i } }));
  const groupsOf = async (jobs: { id: number }[]) =>
    (await db.kysely.selectFrom('jobs').select('group_key').where('id', 'in', jobs.length ? jobs.map((j) => j.id) : [-1]).execute()).map((r) => r.group_key);

  before(async () => {
    testDb = await createTestDatabase(kind);
    db = openDatabase({ databaseUrl: testDb.url ?? 'sqlite::memory:', dataDir: '.' });
    await migrateToLatest(db);
    services = { db, jobsQueued: () => {}, webhookAllowPrivate: false };
  });
  after(async () => {
    await db.close();
    await testDb.drop();
  });
  beforeEach(() => db.kysely.deleteFrom('jobs').execute());

  it('claims at most perGroup jobs of one group, counting the ones already in flight', async () => {
    await enqueue(job('org-a', 'g1', 10));
    assert.equal((await claim()).length, 3);
    assert.equal((await claim()).length, 0);
  });

  it('frees a group slot when one of its jobs finishes', async () => {
    await enqueue(job('org-a', 'g1', 10));
    const [first] = await claim();
    await completeJob(db.kysely, first.id);
    assert.equal((await claim()).length, 1);
  });

  it('claims at most perOrganization jobs of one organization across its groups', async () => {
    await enqueue([...job('org-a', 'g1', 4), ...job('org-a', 'g2', 4), ...job('org-a', 'g3', 4)]);
    assert.equal((await claim()).length, 5);
    assert.equal((await claim()).length, 0);
  });

  it("does not let one organization's backlog hide another's jobs", async () => {
    await enqueue(Array.from({ length: 30 }, (_, i) => job('org-b', `b${i}`, 10)).flat());
    await enqueue(job('org-a', 'a1', 2).map((j, i) => ({ ...j, queueKey: `a1:${i}` })));
    // The first claim looks at B's oldest jobs and takes B's share; B is then at its cap and skipped.
    assert.equal((await claim({ limit: 8 })).length, 5);
    assert.deepEqual(await groupsOf(await claim({ limit: 8 })), ['a1', 'a1']);
  });

  it("runs a FAILING webhook's group one job at a time, however many retries a healthy one has waiting", async () => {
    const now = new Date().toISOString();
    await db.kysely.deleteFrom('webhooks').execute();
    await db.kysely
      .insertInto('webhooks')
      .values({ id: 'w1', organization_id: 'org-a', endpoint: 'http://127.0.0.1:1/', events: '[]', headers: '{}', secret: 's', enabled: 1, consecutive_failures: 4, created_at: now, updated_at: now })
      .execute();
    await enqueue(job('org-a', 'wh:w1', 10));
    const claimed = await claim();
    for (const j of claimed) await retryJob(db.kysely, j.id, new Date(Date.now() - 1), 'HTTP 503');
    assert.equal((await claim()).length, 3, 'DEGRADED (4 failures in a row), every job a retry: still up to perGroup');
    await db.kysely.updateTable('jobs').set({ locked_until: null }).execute();
    await db.kysely.updateTable('webhooks').set({ consecutive_failures: 5 }).execute();
    assert.equal((await claim()).length, 1, 'FAILING: one probe at a time');
    assert.equal((await claim()).length, 0);
  });

  it('claims only the lane’s kinds, and keeps one queue key in order', async () => {
    await enqueue([{ kind: 'request', queueKey: 'order:1', payload: {} }, { kind: 'request', queueKey: 'order:1', payload: {} }]);
    await enqueue(job('org-a', 'g1', 1));
    assert.deepEqual((await claim({ kinds: ['request'] })).map((j) => j.kind), ['request']);
    assert.deepEqual((await claim()).map((j) => j.kind), ['deliver']);
  });

  // The default lane looks at one candidate per free slot (workers.ts): its scan stops at the limit-th head.
  for (const candidatesPerSlot of [undefined, 1]) it(`reaches the heads of other keys behind a long queue whose head is in flight, in order (${candidatesPerSlot ?? 4} candidates a slot)`, async () => {
    const one = (queueKey: string | null, i: number): NewJob => ({ kind: 'deliver', queueKey, payload: { i } });
    await enqueue(Array.from({ length: 20 }, (_, i) => one('long', i)));
    await enqueue([one('k1', 0), one('k2', 0), one('k1', 1), one('k3', 0), one(null, 0)]);
    const keysOf = async (limit: number) => (await claim({ limit, candidatesPerSlot })).map((j) => j.queueKey);
    assert.deepEqual(await keysOf(1), ['long']);
    // The next 4 × limit open jobs are all held back by the long queue's head: the others are further on.
    assert.deepEqual(await keysOf(2), ['k1', 'k2']);
    assert.deepEqual(await keysOf(2), ['k3', null]);
    assert.deepEqual(await keysOf(2), [], 'k1’s second waits for its first, the long queue for its head');
  });

  it('cancels the queued jobs of a group only', async () => {
    await enqueue([...job('org-a', 'g1', 3), ...job('org-a', 'g2', 2)]);
    assert.equal(await cancelQueuedJobs(db.kysely, 'g1', 'webhook deleted'), 3);
    assert.deepEqual([...new Set(await groupsOf(await claim()))], ['g2']);
  });
});
