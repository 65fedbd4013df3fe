/**
 * Issue #12 item 3: knowing a client id is not enough to lock the client out. Failed authentications lock the
 * (client, address) pair and, past a higher limit, the address; a correct secret from an address that has not
 * been failing always gets a token; failures for one client from many addresses raise an alarm in the log and in
 * /metrics. Other addresses are loopback ones (127.0.0.x), which the server sees as distinct peers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, type TestServer } from '../support/test-server.ts';
import { basicAuthorization, createOrgWithClient, type OAuthClient } from '../support/oauth.ts';
import { pollUntil } from '../support/poll.ts';

/** POSTs a client-credentials request from `localAddress`; resolves to the status and body. */
function tokenFrom(url: string, localAddress: string, clientId: string, secret: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/oauth/token`,
      {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(clientId, secret) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d) => (text += d)).on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end('grant_type=client_credentials');
  });
}

describe('token endpoint brute-force limits', () => {
  let server: TestServer;
  let target: OAuthClient;
  before(async () => {
    server = await startServer();
    ({ client: target } = await createOrgWithClient(server, { scopes: 'view_orders' }));
  });
  after(() => server?.stop());

  it('locks a failing address, never a correct secret from another address', async () => {
    for (let i = 0; i < 10; i++) {
      assert.equal((await tokenFrom(server.url, '127.0.0.2', target.client_id, 'wrong')).status, 401);
    }
    // The failing address is locked for this client, the right secret included.
    const locked = await tokenFrom(server.url, '127.0.0.2', target.client_id, target.client_secret);
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error, 'too_many_attempts');
    // Another address with the right secret is not.
    const ok = await tokenFrom(server.url, '127.0.0.1', target.client_id, target.client_secret);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(typeof ok.body.access_token, 'string');
  });

  it('raises a per-client alarm in the log and the metrics when many addresses fail for one client', async () => {
    const { client: victim } = await createOrgWithClient(server, { scopes: 'view_orders' });
    for (const address of ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7']) {
      for (let i = 0; i < 10; i++) assert.equal((await tokenFrom(server.url, address, victim.client_id, 'wrong')).status, 401);
    }
    await pollUntil(() => server.output().includes(victim.client_id), { timeoutMs: 5000 });
    const line = server.output().split('\n').find((l) => l.includes(victim.client_id))!;
    assert.match(line, /failed authentications for one client/);
    assert.doesNotMatch(line, /wrong/, 'the attempted secret is never logged');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^ordergraph_oauth_client_alarms_total 1$/m);
    assert.match(metrics, /^ordergraph_oauth_failed_authentications_total [1-9]\d+$/m);
    // The victim still gets its token from an address that has not been failing.
    assert.equal((await tokenFrom(server.url, '127.0.0.1', victim.client_id, victim.client_secret)).status, 200);
  });

  it('locks an address that fails for many client ids', async () => {
    for (let i = 0; i < 100; i++) assert.equal((await tokenFrom(server.url, '127.0.0.8', `made-up-${i}`, 'wrong')).status, 401);
    assert.equal((await tokenFrom(server.url, '127.0.0.8', target.client_id, target.client_secret)).status, 429);
    assert.equal((await tokenFrom(server.url, '127.0.0.1', target.client_id, target.client_secret)).status, 200);
  });
});
