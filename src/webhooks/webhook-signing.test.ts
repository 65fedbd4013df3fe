import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { WebhookRow } from './webhook-subscriptions.ts';
import { buildMessage, signingSecrets } from './webhook-requests.ts';
import { messageIdFor, newSecret, secretKey, sign, signatureHeader } from './webhook-signing.ts';

const verify = (secret: string, id: string, ts: number, body: string, signature: string) =>
  new Webhook(secret).verify(body, { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature });

describe('Standard Webhooks signing', () => {
  it('makes whsec_ secrets of 32 random bytes', () => {
    const a = newSecret();
    assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(secretKey(a).length, 32);
    assert.notEqual(newSecret(), a);
  });

  it('signs what the standardwebhooks package verifies, for any body', () => {
    const secret = newSecret();
    fc.assert(
      fc.property(fc.json(), fc.integer({ min: 1, max: 1e9 }), (json, eventId) => {
        const body = JSON.stringify({ header: { type: 'order/created' }, body: JSON.parse(json) });
        const id = messageIdFor('wh', eventId);
        const ts = Math.floor(Date.now() / 1000);
        assert.deepEqual(verify(secret, id, ts, body, sign(secret, id, ts, body)), JSON.parse(body));
      }),
      { numRuns: 200 },
    );
  });

  it('matches the library’s own signature byte for byte', () => {
    const secret = newSecret();
    const ts = Math.floor(Date.now() / 1000);
    assert.equal(sign(secret, 'msg_1', ts, '{"a":1}'), new Webhook(secret).sign('msg_1', new Date(ts * 1000), '{"a":1}'));
  });

  it('fails verification when anything is changed', () => {
    const secret = newSecret();
    const ts = Math.floor(Date.now() / 1000);
    const sig = sign(secret, 'msg_1', ts, '{"a":1}');
    assert.throws(() => verify(secret, 'msg_1', ts, '{"a":2}', sig), WebhookVerificationError);
    assert.throws(() => verify(secret, 'msg_2', ts, '{"a":1}', sig), WebhookVerificationError);
    assert.throws(() => verify(newSecret(), 'msg_1', ts, '{"a":1}', sig), WebhookVerificationError);
  });

  it('sends one signature per secret during a rotation; each verifies alone', () => {
    const [fresh, old] = [newSecret(), newSecret()];
    const ts = Math.floor(Date.now() / 1000);
    const header = signatureHeader([fresh, old], 'msg_1', ts, '{}');
    const parts = header.split(' ');
    assert.equal(parts.length, 2);
    assert.ok(parts.every((p) => p.startsWith('v1,')));
    verify(fresh, 'msg_1', ts, '{}', header);
    verify(old, 'msg_1', ts, '{}', header);
    verify(old, 'msg_1', ts, '{}', parts[1]);
    assert.throws(() => verify(old, 'msg_1', ts, '{}', parts[0]));
  });

  it('gives each (webhook, event) its own stable message id', () => {
    assert.equal(messageIdFor('a', 1), messageIdFor('a', 1));
    assert.equal(messageIdFor('a', 1), messageIdFor('a', '1'));
    assert.notEqual(messageIdFor('a', 1), messageIdFor('b', 1));
    assert.notEqual(messageIdFor('a', 1), messageIdFor('a', 2));
    assert.match(messageIdFor('a', 1), /^msg_[A-Za-z0-9_-]{27}$/);
  });
});

describe('buildMessage', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');
  const webhook: WebhookRow = {
    id: 'wh-1',
    organization_id: 'org-1',
    endpoint: 'https://example.com/hook',
    format: 'STANDARD',
    events: '[]',
    headers: JSON.stringify({ 'X-Api-Key': 'k', 'User-Agent': 'mine' }),
    secret: newSecret(),
    previous_secret: newSecret(),
    previous_secret_expires_at: new Date(now + 1000).toISOString(),
    enabled: 1,
    consecutive_failures: 0,
    created_at: '',
    updated_at: '',
  };
  const event = { id: 7, organization_id: 'org-1', order_id: 'o-1', type: 'order/created', payload: '{"id":"o-1","lines":[]}', created_at: '2026-11-22T09:59:59.000Z' };

  it('wraps the event payload with its header and signs it with every secret in force', () => {
    const m = buildMessage(webhook, event, now);
    assert.deepEqual(JSON.parse(m.body), {
      header: { organizationId: 'org-1', messageId: m.messageId, webhookId: 'wh-1', type: 'order/created', date: event.created_at },
      body: { id: 'o-1', lines: [] },
    });
    assert.equal(m.headers['webhook-id'], messageIdFor('wh-1', 7));
    assert.equal(m.headers['webhook-timestamp'], String(now / 1000));
    assert.equal(m.headers['content-type'], 'application/json');
    assert.equal(m.headers['X-Api-Key'], 'k');
    assert.equal(m.headers['User-Agent'], 'mine');
    assert.equal(m.headers['user-agent'], undefined);
    assert.equal(m.headers['webhook-signature'].split(' ').length, 2);
  });

  it('stops signing with the previous secret when it expires', () => {
    assert.deepEqual(signingSecrets(webhook, now), [webhook.secret, webhook.previous_secret]);
    assert.deepEqual(signingSecrets(webhook, now + 1000), [webhook.secret]);
    assert.deepEqual(signingSecrets({ ...webhook, previous_secret: null, previous_secret_expires_at: null }, now), [webhook.secret]);
  });
});
