import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { systemCtx, withTransaction, type Ctx, type Services } from '../context.ts';
import { openDatabase, type Db } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { DomainError } from '../errors/domain-error.ts';
import { emitEvents } from './outbox.ts';
import { recordAttempt, listDeliveries, retryDelivery } from './webhook-deliveries.ts';
import { TOTAL_COUNT_CAP } from '../db/capped-count.ts';
import { createWebhook, deleteWebhook, listWebhooks, updateWebhook, PREVIOUS_SECRET_TTL_MS } from './webhook-subscriptions.ts';

const SCOPES = ['edit_integrations'];

describe('webhook subscriptions', () => {
  let db: Db;
  let services: Services;
  const ctxOf = (org: string, scopes = SCOPES, orgs = [org]): Ctx => ({
    actor: { clientId: `client-${org}`, organizationId: org, organizationIds: new Set(orgs), scopes: new Set(scopes) },
    requestId: 'test',
    services,
  });
  const code = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof DomainError, String(e));
      return e.code;
    }
    assert.fail('expected a DomainError');
  };

  before(async () => {
    db = openDatabase({ databaseUrl: 'sqlite::memory:', dataDir: '.' });
    await migrateToLatest(db);
    services = { db, jobsQueued: () => {}, webhookAllowPrivate: false };
  });
  after(() => db.close());

  it('creates a webhook with a whsec_ secret, HEALTHY and enabled', async () => {
    const w = await createWebhook(ctxOf('org-a'), { endpoint: 'https://example.com/a', events: ['order/created'], headers: { 'X-K': 'v' } });
    assert.match(w.secret!, /^whsec_/);
    assert.deepEqual(
      { endpoint: w.endpoint, events: w.events, headers: w.headers, enabled: w.enabled, health: w.health },
      { endpoint: 'https://example.com/a', events: ['order/created'], headers: { 'X-K': 'v' }, enabled: true, health: 'HEALTHY' },
    );
  });

  it('needs edit_integrations', async () => {
    assert.equal(await code(createWebhook(ctxOf('org-a', ['view_orders']), { endpoint: 'https://example.com' })), 'INSUFFICIENT_SCOPE');
    assert.equal(await code(listWebhooks(ctxOf('org-a', ['edit_orders']), {})), 'INSUFFICIENT_SCOPE');
    assert.equal(await code(createWebhook({ actor: null, requestId: 't', services }, { endpoint: 'https://example.com' })), 'UNAUTHENTICATED');
  });

  it("answers NOT_FOUND for another organization's webhook", async () => {
    const w = await createWebhook(ctxOf('org-b'), { endpoint: 'https://example.com/b' });
    const other = ctxOf('org-c');
    assert.equal(await code(updateWebhook(other, w.id, { enabled: false })), 'NOT_FOUND');
    assert.equal(await code(deleteWebhook(other, w.id)), 'NOT_FOUND');
    assert.equal(await code(listDeliveries(other, { webhookId: w.id })), 'NOT_FOUND');
    assert.equal((await listWebhooks(other, {})).totalCount, 0);
    assert.equal(await code(updateWebhook(ctxOf('org-b'), 'no-such-id', {})), 'NOT_FOUND');
  });

  it('rotates the secret, keeping the previous one for 24 h', async () => {
    const ctx = ctxOf('org-d');
    const w = await createWebhook(ctx, { endpoint: 'https://example.com/d' });
    const before = Date.now();
    const r = await updateWebhook(ctx, w.id, { rotateSecret: true });
    assert.notEqual(r.secret, w.secret);
    assert.match(r.secret!, /^whsec_/);
    const row = await db.kysely.selectFrom('webhooks').selectAll().where('id', '=', w.id).executeTakeFirstOrThrow();
    assert.equal(row.previous_secret, w.secret);
    const expires = Date.parse(row.previous_secret_expires_at!);
    assert.ok(expires >= before + PREVIOUS_SECRET_TTL_MS && expires <= Date.now() + PREVIOUS_SECRET_TTL_MS);
  });

  it('changes only what is given; disabling shows DISABLED and stops pending deliveries', async () => {
    const ctx = ctxOf('org-e');
    const w = await createWebhook(ctx, { endpoint: 'https://example.com/e', events: ['order/created'], headers: { 'X-A': '1' } });
    const u = await updateWebhook(ctx, w.id, { endpoint: 'https://example.com/e2' });
    // The secret is returned only by the mutation that set it.
    assert.deepEqual([u.endpoint, u.events, u.headers, u.secret], ['https://example.com/e2', ['order/created'], { 'X-A': '1' }, null]);
    await withTransaction(systemCtx(services), (t) => emitEvents(t, [{ type: 'order/created', organizationId: 'org-e', orderId: 'o1', body: () => ({}) }]));
    const queued = () => db.kysely.selectFrom('jobs').select('id').where('state', '=', 'queued').where('queue_key', 'like', `wh:${w.id}:%`).execute();
    assert.equal((await queued()).length, 1);
    const d = await updateWebhook(ctx, w.id, { enabled: false });
    assert.equal(d.health, 'DISABLED');
    assert.equal((await queued()).length, 0);
    assert.equal((await updateWebhook(ctx, w.id, { enabled: true })).health, 'HEALTHY');
  });

  it('lists the organization’s webhooks as a connection', async () => {
    const ctx = ctxOf('org-f');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createWebhook(ctx, { endpoint: `https://example.com/f${i}` })).id);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<ReturnType<typeof listWebhooks>> = await listWebhooks(ctx, { first: 2, after });
      assert.equal(page.totalCount, 5);
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    // Each webhook exactly once (ties within a millisecond are ordered by id, not by creation).
    assert.deepEqual([...seen].sort(), [...ids].sort());
    assert.equal(await code(listWebhooks(ctx, { first: 101 })), 'BAD_USER_INPUT');
    assert.equal(await code(listWebhooks(ctx, { after: 'garbage' })), 'BAD_USER_INPUT');
  });

  it('lists delivery attempts newest first and queues one again on retry', async () => {
    const ctx = ctxOf('org-g');
    const w = await createWebhook(ctx, { endpoint: 'https://example.com/g' });
    await withTransaction(systemCtx(services), (t) => emitEvents(t, [{ type: 'order/updated', organizationId: 'org-g', orderId: 'o-g', body: () => ({}) }]));
    const job = await db.kysely.selectFrom('jobs').selectAll().where('queue_key', '=', `wh:${w.id}:o-g`).executeTakeFirstOrThrow();
    const eventId = JSON.parse(job.payload).eventId as number;
    for (const [attempt, status] of [[1, 500], [2, 502], [3, 200]] as const) {
      await recordAttempt(db.kysely, {
        webhookId: w.id, organizationId: 'org-g', eventId, jobId: job.id, attempt, success: status === 200,
        statusCode: status, durationMs: 12, error: status === 200 ? null : `HTTP ${status}`,
      });
      await new Promise((r) => setTimeout(r, 2));
    }
    await db.kysely.updateTable('jobs').set({ state: 'done' }).where('id', '=', job.id).execute();
    const page = await listDeliveries(ctx, { webhookId: w.id, first: 2 }, { countTotal: true });
    assert.equal(page.totalCount, 3);
    assert.deepEqual(page.edges.map((e) => [e.node.attempt, e.node.statusCode, e.node.success, e.node.eventType]), [[3, 200, true, 'order/updated'], [2, 502, false, 'order/updated']]);
    const rest = await listDeliveries(ctx, { webhookId: w.id, first: 2, after: page.pageInfo.endCursor });
    assert.deepEqual(rest.edges.map((e) => [e.node.attempt, e.node.error]), [[1, 'HTTP 500']]);

    const retried = await retryDelivery(ctx, rest.edges[0].node.id);
    assert.equal(retried.eventId, String(eventId));
    const again = await db.kysely.selectFrom('jobs').selectAll().where('queue_key', '=', `wh:${w.id}:o-g`).where('state', '=', 'queued').execute();
    assert.equal(again.length, 1);
    assert.deepEqual(JSON.parse(again[0].payload), { webhookId: w.id, eventId });
    assert.equal(await code(retryDelivery(ctxOf('org-h'), rest.edges[0].node.id)), 'NOT_FOUND');
  });

  it('counts a long delivery log up to the cap, and only when asked', async () => {
    const ctx = ctxOf('org-cap');
    const w = await createWebhook(ctx, { endpoint: 'https://example.com/cap' });
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
    const rows = Array.from({ length: TOTAL_COUNT_CAP + 5 }, (_, i) => ({
      id: `cap-${String(i).padStart(5, '0')}`, webhook_id: w.id, organization_id: 'org-cap', event_id: i, job_id: i, attempt: 1,
      status_code: 200, duration_ms: 1, error: null, success: 1, created_at: at(Math.floor(i / 2)), // pairs share a time: id breaks ties
    }));
    for (let i = 0; i < rows.length; i += 200) await db.kysely.insertInto('webhook_deliveries').values(rows.slice(i, i + 200)).execute();
    const first = await listDeliveries(ctx, { webhookId: w.id, first: 3 }, { countTotal: true });
    assert.equal(first.totalCount, TOTAL_COUNT_CAP);
    assert.deepEqual(first.edges.map((e) => e.node.id), ['cap-01004', 'cap-01003', 'cap-01002']);
    const next = await listDeliveries(ctx, { webhookId: w.id, first: 3, after: first.pageInfo.endCursor });
    assert.deepEqual(next.edges.map((e) => e.node.id), ['cap-01001', 'cap-01000', 'cap-00999']);
    assert.equal(next.totalCount, 0, 'not counted unless selected');
  });

  it('deletes a webhook with its log and pending deliveries', async () => {
    const ctx = ctxOf('org-i');
    const w = await createWebhook(ctx, { endpoint: 'https://example.com/i' });
    await withTransaction(systemCtx(services), (t) => emitEvents(t, [{ type: 'order/created', organizationId: 'org-i', orderId: 'o-i', body: () => ({}) }]));
    assert.equal(await deleteWebhook(ctx, w.id), true);
    const pending = await db.kysely.selectFrom('jobs').select('id').where('state', '=', 'queued').where('queue_key', 'like', `wh:${w.id}:%`).execute();
    assert.equal(pending.length, 0);
    assert.equal(await code(deleteWebhook(ctx, w.id)), 'NOT_FOUND');
  });

  it('refuses loopback endpoints at creation unless private endpoints are allowed', async () => {
    assert.equal(await code(createWebhook(ctxOf('org-j'), { endpoint: 'http://127.0.0.1:9/x' })), 'BAD_USER_INPUT');
    const allowed = { ...ctxOf('org-j'), services: { ...services, webhookAllowPrivate: true } };
    assert.equal((await createWebhook(allowed, { endpoint: 'http://127.0.0.1:9/x' })).endpoint, 'http://127.0.0.1:9/x');
  });
});
