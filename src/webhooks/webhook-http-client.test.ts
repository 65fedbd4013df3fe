import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeWebhookConnections, postWebhook, RESPONSE_BODY_CAP } from './webhook-http-client.ts';

describe('postWebhook', () => {
  let server: http.Server;
  let base = '';
  const seen: { url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  let bigBodyBytesSent = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
        switch (req.url) {
          case '/ok':
            return res.writeHead(204).end();
          case '/redirect':
            return res.writeHead(307, { location: '/ok' }).end();
          case '/busy':
            return res.writeHead(503, { 'retry-after': '7' }).end('later');
          case '/hints':
            res.writeEarlyHints({ link: '</a.css>; rel=preload; as=style' });
            return res.writeHead(202).end('queued');
          case '/slow-headers':
            return; // never answers
          case '/slow-body':
            res.writeHead(200);
            res.write('x'); // then nothing
            return;
          case '/big': {
            res.writeHead(200);
            const chunk = Buffer.alloc(64 * 1024, 'x');
            const pump = () => {
              while (bigBodyBytesSent < 64 * 1024 * 1024) {
                bigBodyBytesSent += chunk.length;
                if (!res.write(chunk)) return void res.once('drain', pump);
              }
              res.end();
            };
            res.on('close', () => res.removeAllListeners('drain'));
            return pump();
          }
          default:
            return res.writeHead(500).end('boom');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await closeWebhookConnections();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const post = (path: string, timeoutMs?: number) => postWebhook(`${base}${path}`, { 'x-extra': '1' }, '{"a":1}', { allowPrivate: true, timeoutMs });

  it('POSTs the body with the given headers; 2xx is success', async () => {
    const r = await post('/ok');
    assert.deepEqual({ ok: r.ok, status: r.statusCode, error: r.error }, { ok: true, status: 204, error: null });
    const last = seen.at(-1)!;
    assert.equal(last.body, '{"a":1}');
    assert.equal(last.headers['x-extra'], '1');
    assert.ok(r.durationMs >= 0);
  });

  it('does not follow redirects', async () => {
    const before = seen.length;
    const r = await post('/redirect');
    assert.equal(r.ok, false);
    assert.equal(r.statusCode, 307);
    assert.match(r.error!, /redirects are not followed/);
    assert.equal(seen.length, before + 1);
  });

  it('reports the status and Retry-After of a failure', async () => {
    const r = await post('/busy');
    assert.deepEqual({ ok: r.ok, status: r.statusCode, error: r.error, retryAfter: r.retryAfter }, { ok: false, status: 503, error: 'HTTP 503', retryAfter: '7' });
    assert.equal((await post('/other')).error, 'HTTP 500');
  });

  it('keeps the start of the response body, after any informational answer', async () => {
    assert.equal((await post('/ok')).responseBody, null);
    assert.equal((await post('/busy')).responseBody, 'later');
    const r = await post('/hints');
    assert.deepEqual({ ok: r.ok, status: r.statusCode, body: r.responseBody }, { ok: true, status: 202, body: 'queued' });
  });

  it('gives up on a response that does not come in time', async () => {
    const r = await post('/slow-headers', 300);
    assert.equal(r.ok, false);
    assert.match(r.error!, /timed out/);
    assert.ok(r.durationMs < 5_000, String(r.durationMs));
  });

  it('takes a 2xx status as the answer, and stops waiting for a body that stalls', async () => {
    const r = await post('/slow-body', 300);
    assert.equal(r.ok, true);
    assert.ok(r.durationMs < 5_000, String(r.durationMs));
  });

  it('takes a 2xx status as the answer when its body drips past the grace, long before the timeout', async () => {
    const r = await post('/slow-body');
    assert.equal(r.ok, true);
    assert.ok(r.durationMs >= 900 && r.durationMs < 5_000, String(r.durationMs));
    assert.equal(r.responseBody, 'x');
  });

  it('reads only a few KiB of a large response', async () => {
    const r = await post('/big');
    assert.equal(r.ok, true);
    assert.ok(bigBodyBytesSent < 64 * 1024 * 1024, `sent ${bigBodyBytesSent}`);
    assert.ok(RESPONSE_BODY_CAP <= 4096);
  });

  it('describes connection errors without a stack', async () => {
    const r = await postWebhook('http://127.0.0.1:1/x', {}, '{}', { allowPrivate: true });
    assert.equal(r.ok, false);
    assert.equal(r.statusCode, null);
    assert.match(r.error!, /ECONNREFUSED/);
    assert.doesNotMatch(r.error!, /\n|at .*\.js/);
  });

  it('refuses loopback destinations when private endpoints are not allowed, literal or resolved', async () => {
    const before = seen.length;
    const port = new URL(base).port;
    for (const url of [`${base}/ok`, `http://localhost:${port}/ok`, `http://[::ffff:127.0.0.1]:${port}/ok`]) {
      const r = await postWebhook(url, {}, '{}', { allowPrivate: false });
      assert.equal(r.ok, false, url);
      assert.match(r.error!, /^refused: .*loopback/, url);
    }
    assert.equal(seen.length, before, 'nothing reached the server');
  });
});
