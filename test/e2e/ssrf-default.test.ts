/**
 * Issue #12 item 1: the SSRF guard is on for a server started exactly as `npm start` does (`ordergraph serve`,
 * fresh DATA_DIR, no ORDERGRAPH_DEMO, no ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE), on its first start (which seeds the
 * demo on an embedded database) and on every start after; a production start never seeds demo tenants.
 * Every endpoint tried is refused at creation, so no request ever leaves for it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createOrgWithClient, getToken } from '../support/oauth.ts';
import { gql } from '../support/graphql.ts';
import { openDirectDb } from '../support/direct-db.ts';

/** `npm start`'s environment: the test server's defaults undone (empty is the same as unset). */
const NPM_START_ENV = { ORDERGRAPH_DEMO: '', LOG_LEVEL: '' };

const CREATE = 'mutation($i: WebhookInput!) { webhookCreate(input: $i) { id } }';

async function assertGuardOn(server: TestServer, token: string): Promise<void> {
  const endpoints = [
    `${server.url}/metrics`, // the server itself (loopback)
    'http://127.0.0.1:1/', // a port-scan oracle
    'http://10.0.0.7/hook', // private
    'http://169.254.169.254/latest/meta-data/', // link-local cloud metadata
  ];
  for (const endpoint of endpoints) {
    const r = await gql(server.url, token, CREATE, { i: { endpoint } });
    assert.equal(r.status, 200);
    const e = r.body.errors?.[0];
    assert.equal(e?.extensions?.code, 'BAD_USER_INPUT', `${endpoint}: ${JSON.stringify(r.body)}`);
    assert.match(e!.message, /^`endpoint` must not point to a private or loopback address/, endpoint);
  }
  const list = await gql(server.url, token, '{ webhooks { totalCount } }');
  assert.equal(list.body.data?.webhooks.totalCount, 0, 'nothing was created');
}

async function organizationCount(server: TestServer): Promise<number> {
  const db = await openDirectDb(server);
  try {
    const [row] = await db.query<{ n: number | string }>('SELECT count(*) AS n FROM organizations');
    return Number(row.n);
  } finally {
    await db.close();
  }
}

describe('a server started as `npm start` does', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ env: NPM_START_ENV });
  });
  after(() => server?.stop());

  it('refuses loopback, private and link-local webhook endpoints on the first start and after a restart', async () => {
    const demoFile = path.join(server.dataDir, 'demo.json');
    let token: string;
    if (server.dbKind === 'sqlite') {
      // First start of a new embedded database: the demo is seeded, and says how to allow the webhook tour.
      assert.ok(fs.existsSync(demoFile), 'the demo was seeded');
      assert.match(server.output(), /ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE=true/);
      const demo = JSON.parse(fs.readFileSync(demoFile, 'utf8'));
      token = await getToken(server.url, demo.merchant);
    } else {
      assert.ok(!fs.existsSync(demoFile), 'never seeded automatically on PostgreSQL');
      const { client } = await createOrgWithClient(server, { scopes: 'edit_integrations' });
      token = await getToken(server.url, client);
    }
    await assertGuardOn(server, token);
    const orgs = await organizationCount(server);

    await server.restart();
    await assertGuardOn(server, token);
    assert.equal(await organizationCount(server), orgs, 'a later start seeds nothing');
  });
});

describe('a production start (NODE_ENV=production) on a fresh DATA_DIR', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ env: { ...NPM_START_ENV, NODE_ENV: 'production' } });
  });
  after(() => server?.stop());

  it('seeds no demo tenants and keeps the guard on', async () => {
    assert.equal(await organizationCount(server), 0);
    assert.ok(!fs.existsSync(path.join(server.dataDir, 'demo.json')));
    const { client } = await createOrgWithClient(server, { scopes: 'edit_integrations' });
    await assertGuardOn(server, await getToken(server.url, client));
  });
});
