/**
 * Dashboard sign-in, sessions and the one rule set, over plain HTTP (SPEC §10): `ordergraph user` commands; a
 * post without the session's CSRF token is refused and changes nothing; a viewer cannot change an order; another
 * organization's order is NOT_FOUND; a disabled user's session stops at once; wrong passwords are rate limited per
 * account (a right one is refused too while the lock lasts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/test-server.ts';
import { createOrganization } from '../support/oauth.ts';
import { DashboardClient, type DemoLogins as Demo } from '../support/dashboard-http.ts';


// The demo supplier stays still: these tests move its orders themselves (#20 makes it a sandbox by default).
const STILL_DEMO = { ORDERGRAPH_SANDBOX: 'false' };

describe('dashboard: sessions, CSRF and access', () => {
  let server: TestServer;
  let demo: Demo;
  let draftId: string;

  let admin: DashboardClient;

  /** Adds a person to the demo merchant through the Users page, as its admin; returns their sign-in. */
  async function addUser(email: string, role: string): Promise<{ email: string; password: string }> {
    const r = await admin.post('/dashboard/users', { email, role });
    assert.equal(r.status, 200, r.body);
    return { email, password: /<code class="secret">([^<]+)<\/code>/.exec(r.body)![1] };
  }

  before(async () => {
    server = await startServer({ env: STILL_DEMO });
    demo = await server.cli(['demo', '--json']);
    draftId = demo.orders.find((o) => o.state === 'DRAFT')!.id;
    admin = new DashboardClient(server.url);
    assert.equal((await admin.signIn(demo.merchant.user.email, demo.merchant.user.password)).status, 303);
  });
  after(() => server?.stop());

  test('`user create` prints a generated password once; `user list` never shows one', async () => {
    const created = await server.cli(['user', 'create', '--org', demo.merchant.org_id, '--email', 'Viewer@Example.com', '--role', 'viewer', '--json']);
    assert.equal(created.email, 'viewer@example.com');
    assert.equal(created.role, 'viewer');
    assert.ok(created.password.length >= 20);
    const listed = await server.cli(['user', 'list', '--org', demo.merchant.org_id, '--json']);
    assert.deepEqual(listed.map((u: { email: string }) => u.email).sort(), [demo.merchant.user.email, 'viewer@example.com'].sort());
    assert.ok(listed.every((u: object) => !('password' in u) && !('password_hash' in u)));

    const bad = await server.cliResult(['user', 'create', '--org', demo.merchant.org_id, '--email', 'x@example.com', '--role', 'owner']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /`--role` must be one of admin, operator, viewer/);
  });

  test("an admin adds people on the Users page (password shown once); an email is everyone's only once", async () => {
    const taken = await admin.post('/dashboard/users', { email: 'VIEWER@example.com', role: 'viewer' });
    assert.equal(taken.status, 400);
    assert.match(taken.body, /`email` is already taken/);
    const bad = await admin.post('/dashboard/users', { email: 'not-an-email', role: 'viewer' });
    assert.match(bad.body, /`email` must be an email address/);
  });

  test('the orders page finds an order by its number', async () => {
    const o = demo.orders[1];
    const body = (await admin.get(`/dashboard/orders?q=${o.number}`)).body;
    assert.deepEqual([...body.matchAll(/>#(\d+)<\/a>/g)].map((m) => Number(m[1])), [o.number]);
  });

  test('a post without the session CSRF token is refused and changes nothing', async () => {
    const m = admin;
    for (const form of [{ comment: 'forged' }, { comment: 'forged', _csrf: 'not-the-token' }] as Record<string, string>[]) {
      const r = await m.post(`/dashboard/orders/${draftId}/edit`, form, { csrf: false });
      assert.equal(r.status, 403);
      assert.match(r.body, /security token/);
    }
    const page = await m.get(`/dashboard/orders/${draftId}`);
    assert.doesNotMatch(page.body, /forged/);
    const ok = await m.post(`/dashboard/orders/${draftId}/edit`, { comment: 'with the token' });
    assert.equal(ok.status, 303);
    assert.match((await m.get(`/dashboard/orders/${draftId}`)).body, /with the token/);
  });

  test('a viewer reads orders but cannot change them: the command refuses, as for a client without the scope', async () => {
    const v = await addUser('viewer2@example.com', 'viewer');
    const c = new DashboardClient(server.url);
    await c.signIn(v.email, v.password);
    const page = await c.get(`/dashboard/orders/${draftId}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /Save changes/);
    const r = await c.post(`/dashboard/orders/${draftId}/edit`, { comment: 'by a viewer' });
    assert.equal(r.status, 303);
    assert.match((await c.get(r.location!)).body, /requires the scope `edit_orders`/);
    assert.equal((await c.get('/dashboard/users')).status, 403);
    assert.match(page.body, /<h2>Delivery orders<\/h2>/, 'a viewer reads the delivery orders (view_delivery_orders)');
    assert.doesNotMatch(page.body, /Reroute/);
  });

  test("a supplier's viewer reads the work queue but cannot move, reject or ship", async () => {
    const supplierAdmin = new DashboardClient(server.url);
    await supplierAdmin.signIn(demo.supplier.user.email, demo.supplier.user.password);
    const created = await supplierAdmin.post('/dashboard/users', { email: 'supplier-viewer@example.com', role: 'viewer' });
    const password = /<code class="secret">([^<]+)<\/code>/.exec(created.body)![1];
    const c = new DashboardClient(server.url);
    await c.signIn('supplier-viewer@example.com', password);
    const opened = demo.orders.find((o) => o.state === 'OPENED')!;
    const queue = await c.get('/dashboard/queue');
    assert.equal(queue.status, 200);
    assert.match(queue.body, new RegExp(`>#${opened.number}</a>`));
    assert.doesNotMatch(queue.body, /Move selected|Reject selected/);
    const page = await c.get(`/dashboard/queue/${opened.number}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /Add a shipment/);
    for (const [path, form] of [['/dashboard/queue/move', { ids: String(opened.number), status: '4' }], ['/dashboard/queue/reject', { ids: String(opened.number), reason: 'no' }]] as const) {
      const r = await c.post(path, form);
      assert.equal(r.status, 403);
      assert.match(r.body, /requires the scope `order-it\.order-manager\.edit`/);
    }
    const ship = await c.post(`/dashboard/queue/${opened.number}/shipments`, { 'qty-1': '1' });
    assert.match((await c.get(ship.location!)).body, /requires the scope `order-it\.order-manager\.edit`/);
    assert.equal((await supplierAdmin.get(`/dashboard/queue/${opened.number}`)).body.includes('No shipments yet'), true);
  });

  test("another organization's order is NOT_FOUND; a supplier's person has no merchant pages", async () => {
    const other = await createOrganization(server, { kind: 'MERCHANT' });
    const u = await server.cli(['user', 'create', '--org', other.id, '--email', 'other@example.com', '--role', 'admin', '--password', 'a long enough password', '--json']);
    u.password = 'a long enough password';
    const c = new DashboardClient(server.url);
    await c.signIn(u.email, u.password);
    assert.equal((await c.get(`/dashboard/orders/${draftId}`)).status, 404);
    assert.equal((await c.post(`/dashboard/orders/${draftId}/cancel`)).status, 404);
    assert.doesNotMatch((await c.get('/dashboard/orders')).body, /DEMO-/);

    const s = new DashboardClient(server.url);
    await s.signIn(demo.supplier.user.email, demo.supplier.user.password);
    const r = await s.get('/dashboard/orders');
    assert.equal(r.status, 403);
    assert.match(r.body, /requires the scope `view_orders`/);
    assert.equal((await s.get('/dashboard/queue')).status, 200);
  });

  test("disabling a user ends their session at once, and they cannot sign in again", async () => {
    const u = await addUser('leaver@example.com', 'operator');
    const c = new DashboardClient(server.url);
    await c.signIn(u.email, u.password);
    assert.equal((await c.get('/dashboard/orders')).status, 200);
    const out = await server.cli(['user', 'disable', 'leaver@example.com', '--json']);
    assert.equal(out.disabled, true);
    const after = await c.get('/dashboard/orders');
    assert.equal(after.status, 303);
    assert.match(after.location ?? '', /\/dashboard\/sign-in/);
    assert.equal((await c.post(`/dashboard/orders/${draftId}/edit`, { comment: 'after leaving' })).status, 401);
    assert.equal((await new DashboardClient(server.url).signIn(u.email, u.password)).status, 401);
  });

  test('wrong passwords are limited per account: after 10, even the right one waits', async () => {
    const u = await addUser('target@example.com', 'viewer');
    const c = new DashboardClient(server.url);
    for (let i = 0; i < 10; i++) assert.equal((await c.signIn(u.email, `wrong password ${i}`)).status, 401);
    const locked = await c.signIn(u.email, u.password);
    assert.equal(locked.status, 429);
    assert.match(locked.body, /too many failed sign-ins/);
    // Another account from the same address is not locked by it.
    assert.equal((await new DashboardClient(server.url).signIn(demo.merchant.user.email, demo.merchant.user.password)).status, 303);
  });

  test('sign-in pages refuse a form that did not come from them, and never follow a link off the dashboard', async () => {
    const c = new DashboardClient(server.url);
    const r = await c.request('POST', '/dashboard/sign-in', { email: demo.merchant.user.email, password: demo.merchant.user.password });
    assert.equal(r.status, 403);
    const form = await c.get('/dashboard/sign-in?next=https://evil.example/x');
    assert.doesNotMatch(form.body, /evil/);
  });
});
