/**
 * GraphiQL works with no network: the page of each dialect loads its scripts and styles from this server only,
 * each answered 200 with JavaScript or CSS; with Chromium installed, the page renders with every other host
 * unreachable. A person signed in to the dashboard finds a token of their own in the page, acting as they do in
 * the dashboard, short-lived and ended when they are disabled.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { startServer, type TestServer } from '../support/test-server.ts';
import { launchBrowser, newWatchedPage, signIn } from '../support/browser.ts';
import { DashboardClient } from '../support/dashboard-http.ts';
import { gql, viewer, VIEWER_QUERY } from '../support/graphql.ts';
import { createOrganization } from '../support/oauth.ts';
import { pollUntil } from '../support/poll.ts';
import { roleScopes } from '../../src/users/users.ts';

const TOKEN_PATH = '/dashboard/graphiql-token';

const CHROMIUM = '/usr/bin/chromium';

describe('GraphiQL', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.stop());

  for (const prefix of ['', '/fulfiller']) {
    test(`${prefix}/graphiql loads everything from this server`, async () => {
      const redirect = await fetch(`${server.url}${prefix}/graphql`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      assert.equal(redirect.status, 302);
      assert.equal(redirect.headers.get('location'), `${prefix}/graphiql`);

      const page = await fetch(`${server.url}${prefix}/graphiql`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      const html = await page.text();
      assert.match(html, /data-endpoint="\/?[a-z/]*graphql"/);
      assert.match(html, /Access token/, 'the page says how to authenticate');
      // data: URLs (the empty icon) load nothing from the network.
      const urls = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !u.startsWith('data:'));
      assert.ok(urls.length >= 5, `scripts and styles: ${urls.join(' ')}`);
      for (const url of urls) {
        assert.match(url, /^\/[^/]/, `${url} is not on this server`);
        const r = await fetch(`${server.url}${url}`);
        assert.equal(r.status, 200, url);
        const type = r.headers.get('content-type') ?? '';
        assert.match(type, url.endsWith('.css') ? /^text\/css/ : /^text\/javascript/, `${url}: ${type}`);
        assert.ok((await r.arrayBuffer()).byteLength > 0, url);
      }
    });
  }

  test('renders in Chromium with every other host unreachable', { skip: !fs.existsSync(CHROMIUM) && 'no Chromium' }, async () => {
    const { stdout } = await promisify(execFile)(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--virtual-time-budget=10000', '--dump-dom', `${server.url}/graphiql`],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    assert.match(stdout, /class="graphiql-container"/, 'GraphiQL did not render');
  });

  describe('with a dashboard session', () => {
    const login = { email: 'graphiql@example.com', password: 'a long enough password' };
    let orgId: string;
    let cookie: string;

    before(async () => {
      orgId = (await createOrganization(server, { kind: 'MERCHANT' })).id;
      await server.cli(['user', 'create', '--org', orgId, '--email', login.email, '--role', 'operator', '--password', login.password, '--json']);
      const dashboard = new DashboardClient(server.url);
      assert.equal((await dashboard.signIn(login.email, login.password)).status, 303);
      cookie = `og_session=${dashboard.sessionCookie}`;
    });

    const sessionToken = async (headers: Record<string, string> = { cookie }) => {
      const r = await fetch(`${server.url}${TOKEN_PATH}`, { headers });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      return r.json();
    };

    test('without a session the page gets no token; with one, a 15-minute token acting as the person does', async () => {
      assert.deepEqual(await sessionToken({}), { signedIn: false });
      assert.deepEqual(await sessionToken({ cookie: 'og_session=not-a-session' }), { signedIn: false });
      const s = await sessionToken();
      assert.equal(s.signedIn, true);
      assert.equal(s.email, login.email);
      assert.equal(s.expires_in, 900);
      const v = await viewer(server.url, s.access_token);
      assert.deepEqual(
        { clientId: v.clientId, organizationId: v.organizationId, scopes: [...v.scopes].sort() },
        { clientId: `user:${login.email}`, organizationId: orgId, scopes: [...roleScopes('MERCHANT', 'operator')].sort() },
      );
      assert.deepEqual([...s.scopes].sort(), [...v.scopes].sort());
    });

    test('in Chromium, the page fills in the token and GraphiQL reads the schema with it', { skip: !fs.existsSync(CHROMIUM) && 'no Chromium' }, async () => {
      const browser = await launchBrowser();
      try {
        const { page, problems } = await newWatchedPage(browser);
        await signIn(page, server.url, login);
        const schemaRead = page.waitForResponse((r) => r.url() === `${server.url}/graphql` && r.request().method() === 'POST');
        await page.goto(`${server.url}/graphiql`);
        const response = await schemaRead;
        const token = await page.locator('#token').inputValue();
        assert.ok(token.length > 100, 'a token in the field');
        assert.equal(response.request().headers().authorization, `Bearer ${token}`);
        assert.equal(response.status(), 200);
        assert.ok((await response.json()).data?.__schema, 'the schema, read with the token');
        assert.match((await page.locator('#token-note').textContent()) ?? '', new RegExp(`Signed in to the dashboard as ${login.email}`));
        assert.equal((await viewer(server.url, token)).clientId, `user:${login.email}`);
        assert.deepEqual(problems, []);
      } finally {
        await browser.close();
      }
    });

    test("a disabled person's token stops working within a second or so, and the page gets no new one", async () => {
      const { access_token } = await sessionToken();
      await server.cli(['user', 'disable', login.email, '--json']);
      await pollUntil(async () => (await gql(server.url, access_token, VIEWER_QUERY)).status === 401, { timeoutMs: 5000, message: 'token refused' });
      assert.deepEqual(await sessionToken(), { signedIn: false });
    });
  });
});
