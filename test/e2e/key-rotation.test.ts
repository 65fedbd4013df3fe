/**
 * Key rotation keeps live tokens (#19 item 6): a token stays valid after `keys rotate` twice, across a restart,
 * and on a second node sharing the database (PostgreSQL); every key is kept until its tokens have expired.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createOrgWithClient, getToken, type OAuthClient } from '../support/oauth.ts';
import { viewer } from '../support/graphql.ts';
import { tokenHeader } from '../support/jwt.ts';
import { pollUntil } from '../support/poll.ts';
import { testDbKind } from '../support/test-database.ts';
import { retirableKeys, CLOCK_SKEW_MS } from '../../src/auth/signing-keys.ts';

const jwksKids = async (url: string): Promise<string[]> =>
  ((await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

describe('key rotation', () => {
  let server: TestServer;
  let client: OAuthClient;

  before(async () => {
    server = await startServer();
    ({ client } = await createOrgWithClient(server, { scopes: 'view_orders' }));
  });
  after(() => server?.stop());

  test('a token survives two rotations and a restart; new tokens use the newest key', async () => {
    const oldToken = await getToken(server.url, client);
    const oldKid = tokenHeader(oldToken).kid!;
    const first = await server.cli(['keys', 'rotate', '--json']);
    const second = await server.cli(['keys', 'rotate', '--json']);
    assert.ok(second.kept.includes(oldKid), `the key of a live token was retired: ${JSON.stringify(second)}`);
    // The first rotation's key signed nothing before the second rotation: nothing to wait for.
    assert.ok(second.retired.includes(first.kid), JSON.stringify(second));
    await server.kill('SIGKILL');
    await server.restart();
    await viewer(server.url, oldToken);
    assert.ok((await jwksKids(server.url)).includes(oldKid));
    const newToken = await getToken(server.url, client);
    assert.equal(tokenHeader(newToken).kid, second.kid);
    await viewer(server.url, newToken);
  });

  test('two nodes on one database accept each other\'s tokens across rotations', { skip: testDbKind() !== 'postgres' && 'two nodes share a PostgreSQL' }, async () => {
    const nodeA = server;
    const tokenA = await getToken(nodeA.url, client);
    const rotated = await nodeA.cli(['keys', 'rotate', '--json']);
    await nodeA.cli(['keys', 'rotate', '--json']);
    const nodeB = await startServer({ env: { DATABASE_URL: nodeA.databaseUrl! } });
    try {
      await viewer(nodeB.url, tokenA);
      const tokenB = await getToken(nodeB.url, client);
      assert.notEqual(tokenHeader(tokenB).kid, rotated.kid, 'node B signs with the newest key');
      // Node A learns of the newest key within a second (it polls, and reloads on an unknown kid).
      await pollUntil(async () => (await fetch(`${nodeA.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${tokenB}`, 'content-type': 'application/json' }, body: '{"query":"{ viewer { clientId } }"}' })).status === 200, { timeoutMs: 5000 });
      await viewer(nodeA.url, tokenA);
    } finally {
      await nodeB.stop();
    }
  });

  test('a key goes only once its last token (plus clock skew) has expired, and the newest never', () => {
    const now = Date.now();
    const keys = [
      { kid: 'newest', signedUntil: 0 },
      { kid: 'live-token', signedUntil: now + 1000 },
      { kid: 'within-skew', signedUntil: now - CLOCK_SKEW_MS + 1000 },
      { kid: 'expired', signedUntil: now - CLOCK_SKEW_MS - 1000 },
      { kid: 'never-signed', signedUntil: 0 },
    ];
    assert.deepEqual(retirableKeys(keys, now), ['expired', 'never-signed']);
  });
});
