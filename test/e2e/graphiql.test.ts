/**
 * GraphiQL works with no network: the page of each dialect loads its scripts and styles from this server only,
 * each answered 200 with JavaScript or CSS; with Chromium installed, the page renders with every other host
 * unreachable.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { startServer, type TestServer } from '../support/test-server.ts';

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
      const urls = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
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
});
