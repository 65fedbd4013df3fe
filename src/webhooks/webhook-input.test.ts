import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../errors/domain-error.ts';
import { parseWebhookInput, parseWebhookUpdate } from './webhook-input.ts';
import { webhookHealth } from './webhook-health.ts';

function refusal(fn: () => unknown): { field: unknown; message: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DomainError, String(e));
    assert.equal(e.code, 'BAD_USER_INPUT');
    return { field: e.details?.field, message: e.message };
  }
  assert.fail('expected BAD_USER_INPUT');
}

describe('webhook input', () => {
  it('accepts an http(s) endpoint, known events and plain headers', () => {
    assert.deepEqual(
      parseWebhookInput({ endpoint: 'https://example.com/hooks?x=1', events: ['order/created', 'order/created', 'request/rejected'], headers: { 'X-Api-Key': 'secret' } }, false),
      { endpoint: 'https://example.com/hooks?x=1', events: ['order/created', 'request/rejected'], headers: { 'X-Api-Key': 'secret' }, format: 'STANDARD' },
    );
    assert.deepEqual(parseWebhookInput({ endpoint: 'http://example.com', events: null, headers: null }, false), {
      endpoint: 'http://example.com',
      events: [],
      headers: {},
      format: 'STANDARD',
    });
  });

  it('names the field and the rule', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ endpoint: 'not a url' }, 'endpoint', /absolute http\(s\) URL/],
      [{ endpoint: 'ftp://example.com/x' }, 'endpoint', /http\(s\) URL, not ftp/],
      [{ endpoint: 'https://user:pw@example.com/' }, 'endpoint', /credentials/],
      [{ endpoint: `https://example.com/${'a'.repeat(2100)}` }, 'endpoint', /at most 2048/],
      [{ endpoint: 'https://example.com', events: ['order/created', 'order/deleted'] }, 'events[1]', /"order\/deleted" is not an event name; use one of order\/created/],
      [{ endpoint: 'https://example.com', headers: ['a'] }, 'headers', /object/],
      [{ endpoint: 'https://example.com', headers: { 'X-A': 1 } }, 'headers.X-A', /must be a string/],
      [{ endpoint: 'https://example.com', headers: { 'X-A': { nested: 'x' } } }, 'headers.X-A', /must be a string/],
      [{ endpoint: 'https://example.com', headers: { 'Webhook-Signature': 'forged' } }, 'headers.Webhook-Signature', /cannot be overridden/],
      [{ endpoint: 'https://example.com', headers: { 'content-type': 'text/plain' } }, 'headers.content-type', /cannot be overridden/],
      [{ endpoint: 'https://example.com', headers: { Host: 'evil' } }, 'headers.Host', /cannot be overridden/],
      [{ endpoint: 'https://example.com', headers: { 'bad name': 'x' } }, 'headers.bad name', /not a valid header name/],
      [{ endpoint: 'https://example.com', headers: { 'X-A': 'a\r\nX-Injected: 1' } }, 'headers.X-A', /line breaks/],
      [{ endpoint: 'https://example.com', headers: { 'X-A': 'a', 'x-a': 'b' } }, 'headers.x-a', /twice/],
      [{ endpoint: 'https://example.com', unknown: 1 }, 'input', /unknown field\(s\): unknown/],
    ];
    for (const [input, field, message] of cases) {
      const r = refusal(() => parseWebhookInput(input, true));
      assert.equal(r.field, field, JSON.stringify(input));
      assert.match(r.message, message);
      assert.ok(r.message.startsWith(`\`${field}\``), r.message);
    }
  });

  it('refuses loopback and private literal endpoints unless private endpoints are allowed', () => {
    for (const endpoint of ['http://localhost:8080/x', 'http://127.0.0.1/', 'http://[::1]:9000/', 'http://10.0.0.5/', 'http://169.254.169.254/latest', 'http://[::ffff:127.0.0.1]/']) {
      const r = refusal(() => parseWebhookInput({ endpoint }, false));
      assert.equal(r.field, 'endpoint');
      assert.match(r.message, /private or loopback address.*ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE/);
      assert.equal(parseWebhookInput({ endpoint }, true).endpoint, endpoint);
    }
  });

  it('updates only what is given', () => {
    assert.deepEqual(parseWebhookUpdate({}, false), {});
    assert.deepEqual(parseWebhookUpdate({ rotateSecret: true, enabled: false }, false), { rotateSecret: true, enabled: false });
    assert.deepEqual(parseWebhookUpdate({ rotateSecret: false, enabled: null }, false), {});
    assert.deepEqual(parseWebhookUpdate({ events: null, headers: null }, false), { events: [], headers: {} });
    assert.equal(refusal(() => parseWebhookUpdate({ endpoint: null }, false)).field, 'endpoint');
    assert.equal(refusal(() => parseWebhookUpdate({ endpoint: 'http://127.0.0.1/' }, false)).field, 'endpoint');
    assert.equal(refusal(() => parseWebhookUpdate({ events: ['nope'] }, false)).field, 'events[0]');
  });
});

describe('webhook health', () => {
  it('is derived from enabled and consecutive failures', () => {
    assert.equal(webhookHealth({ enabled: 1, consecutive_failures: 0 }), 'HEALTHY');
    assert.equal(webhookHealth({ enabled: 1, consecutive_failures: 1 }), 'DEGRADED');
    assert.equal(webhookHealth({ enabled: 1, consecutive_failures: 4 }), 'DEGRADED');
    assert.equal(webhookHealth({ enabled: 1, consecutive_failures: 5 }), 'FAILING');
    assert.equal(webhookHealth({ enabled: 1, consecutive_failures: 500 }), 'FAILING');
    assert.equal(webhookHealth({ enabled: 0, consecutive_failures: 0 }), 'DISABLED');
    assert.equal(webhookHealth({ enabled: 0, consecutive_failures: 9 }), 'DISABLED');
  });
});
