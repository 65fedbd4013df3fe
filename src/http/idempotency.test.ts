/**
 * The `Idempotency-Key` plugin on a real Fastify instance and a real (in-memory SQLite) database, with a route
 * that fails with a 5xx on demand: the API has no way to make a write fail that way, and a stored 5xx would
 * lock a client out of retrying for 24 hours. Replays, expiry and stale keys are covered end to end in
 * test/e2e/orders-idempotency.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { idempotencyPlugin } from './idempotency.ts';

async function appWithFailingRoute(failures: number[]) {
  const db = openDatabase({ databaseUrl: 'sqlite::memory:', dataDir: '.' });
  await migrateToLatest(db);
  const app = Fastify();
  app.addHook('onRequest', async (request) => {
    request.actor = { clientId: 'client-1', organizationId: 'org-1', organizationIds: new Set(['org-1']), scopes: new Set(['edit_orders']) };
  });
  await app.register(idempotencyPlugin, { db });
  let calls = 0;
  app.post('/write', async (_request, reply) => {
    calls++;
    const status = failures.shift();
    if (status) return reply.code(status).send({ errors: [{ message: 'failed', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    return { data: { call: calls } };
  });
  const post = (key: string) => app.inject({ method: 'POST', url: '/write', headers: { 'idempotency-key': key }, payload: { same: 'body' } });
  // The stored key is the client's behind a digest of the token's powers: rows are checked by what they hold.
  const keys = () => db.kysely.selectFrom('idempotency_keys').select(['state', 'status_code']).execute();
  return {
    post,
    keys,
    calls: () => calls,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}

for (const status of [500, 503]) {
  test(`a ${status} frees the key: the retry runs again and its answer is the one replayed`, async () => {
    const t = await appWithFailingRoute([status]);
    try {
      const failed = await t.post('k1');
      assert.equal(failed.statusCode, status);
      assert.deepEqual(await t.keys(), [], 'nothing is stored for a server error');

      const retry = await t.post('k1');
      assert.equal(retry.statusCode, 200);
      assert.equal(retry.headers['idempotent-replayed'], undefined, 'the retry ran, it was not replayed');
      assert.deepEqual(retry.json(), { data: { call: 2 } });
      assert.equal(t.calls(), 2);

      const replay = await t.post('k1');
      assert.equal(replay.statusCode, 200);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(replay.json(), { data: { call: 2 } });
      assert.equal(t.calls(), 2, 'the replay did not run the handler');
      assert.deepEqual(await t.keys(), [{ state: 'done', status_code: 200 }]);
    } finally {
      await t.close();
    }
  });
}

test('a 4xx is an answer like any other: stored and replayed', async () => {
  const t = await appWithFailingRoute([422]);
  try {
    assert.equal((await t.post('k2')).statusCode, 422);
    const replay = await t.post('k2');
    assert.equal(replay.statusCode, 422);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(t.calls(), 1);
  } finally {
    await t.close();
  }
});
