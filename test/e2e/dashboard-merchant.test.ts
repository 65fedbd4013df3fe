/**
 * The dashboard in headless Chromium, as the demo merchant (SPEC §10): sign in with the printed demo login, find an
 * order, change it, see the change in the timeline under the person's name; open another; create a webhook (with a
 * format) whose delivery log shows the receiver's answer, and an API client; sign out, after which the old session
 * cookie is refused. No console errors on any page, on a laptop or a phone. Screenshots of the main pages (see test/support/browser.ts for where they go).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Locator } from 'playwright-core';
import { startServer, type TestServer } from '../support/test-server.ts';
import type { DemoLogins as Demo } from '../support/dashboard-http.ts';
import { accessibilityProblems, launchBrowser, newWatchedPage, screenshot, signIn, type WatchedPage } from '../support/browser.ts';
import { pollUntil } from '../support/poll.ts';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const text = async (l: Locator): Promise<string> => (await l.textContent()) ?? '';


// The demo supplier stays still: these tests move its orders themselves (#20 makes it a sandbox by default).
const STILL_DEMO = { ORDERGRAPH_SANDBOX: 'false' };

describe('dashboard: merchant in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let demo: Demo;
  let w: WatchedPage;
  // A webhook receiver on 127.0.0.1 (hence ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE for this server only).
  let receiver: WebhookReceiver;

  before(async () => {
    [server, browser, receiver] = await Promise.all([
      startServer({ env: { ...STILL_DEMO, ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE: 'true' } }),
      launchBrowser(),
      startReceiver(),
    ]);
    receiver.respond = () => ({ status: 422, body: '{"error":"order not known to this receiver"}' });
    demo = await server.cli(['demo', '--json']);
    w = await newWatchedPage(browser);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.stop();
  });

  test('the demo prints a sign-in for the merchant and the supplier', () => {
    for (const u of [demo.merchant.user, demo.supplier.user]) {
      assert.match(u.email, /@/);
      assert.ok(u.password.length >= 12);
    }
  });

  test('signs in with the demo login and lists the orders, newest first', async () => {
    const { page } = w;
    await signIn(page, server.url, demo.merchant.user);
    assert.equal(new URL(page.url()).pathname, '/dashboard/orders');
    const numbers = await page.locator('tbody tr td:first-child a').allTextContents();
    assert.deepEqual(numbers, demo.orders.map((o) => `#${o.number}`).reverse());
    await screenshot(page, 'orders');
    assert.deepEqual(await accessibilityProblems(page), []);
  });

  test('finds an order by external reference, changes it, and the timeline names the person', async () => {
    const { page } = w;
    const draft = demo.orders.find((o) => o.state === 'DRAFT')!;
    await page.getByLabel('Number or external reference').fill(`DEMO-1001-${demo.merchant.org_id.slice(0, 8)}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=DEMO-1001/);
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.getByRole('link', { name: `#${draft.number}` }).click();
    await page.getByRole('heading', { name: new RegExp(`Order #${draft.number}`) }).waitFor();

    await page.getByLabel('Comment').fill('Gift wrap, please <b>not</b> the red paper');
    await page.getByLabel('Priority').selectOption('HIGH');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Order updated successfully' }).waitFor();
    const last = page.locator('.timeline > li').last();
    assert.match(await text(last), new RegExp(`updated by ${demo.merchant.user.email.replace(/[+.]/g, '\\$&')}`));
    assert.match(await text(last), /priority: NORMAL → HIGH/);
    assert.match(await text(last), /comment: — → Gift wrap, please <b>not<\/b> the red paper/, 'shown as text, not markup');
    await screenshot(page, 'order');
    assert.deepEqual(await accessibilityProblems(page), []);
  });

  test('opens a draft order: the request is queued, then applied by the worker', async () => {
    const { page } = w;
    const draft = demo.orders.filter((o) => o.state === 'DRAFT')[1];
    await page.goto(`${server.url}/dashboard/orders/${draft.id}`);
    await page.getByRole('button', { name: 'Open the order' }).click();
    await page.getByRole('status').filter({ hasText: 'OPEN requested' }).waitFor();
    await pollUntil(async () => {
      await page.reload();
      return (await text(page.locator('dl.facts'))).includes('OPENED');
    }, { timeoutMs: 15_000, message: 'the order was not opened' });
    assert.match(await text(page.locator('table').last()), /OPEN\s*ACCEPTED/);
  });

  test("creates a webhook with a format; its delivery log shows the receiver's answer; an API client (secrets shown once)", async () => {
    const { page } = w;
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByLabel('Endpoint URL').waitFor();
    assert.deepEqual(await accessibilityProblems(page), []);
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('order/updated', { exact: true }).check();
    await page.getByLabel('Format').selectOption('HAPPYCOLIS');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByRole('status').filter({ hasText: 'copy its HAPPYCOLIS signing secret now, it is shown only once' }).waitFor();
    assert.match(await text(page.locator('#webhook-secret')), /^[A-Za-z0-9_-]{43}$/, 'a HappyColis key, not a Standard Webhooks one');
    const webhookPath = new URL((await page.getByRole('link', { name: receiver.url }).getAttribute('href'))!, server.url).pathname;

    // A change the webhook hears of; the receiver refuses it and says why.
    const draft = demo.orders.find((o) => o.state === 'DRAFT')!;
    await page.goto(`${server.url}/dashboard/orders/${draft.id}`);
    await page.getByLabel('Priority').selectOption('LOW');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Order updated successfully' }).waitFor();
    await page.goto(`${server.url}${webhookPath}`);
    await pollUntil(async () => {
      await page.reload();
      return (await page.locator('.response').count()) > 0;
    }, { timeoutMs: 20_000, intervalMs: 250, message: 'no delivery in the log' });
    const attempt = await text(page.locator('tbody tr').first());
    assert.match(attempt, /order\/updated/);
    assert.match(attempt, /failed 422 HTTP 422/);
    assert.match(attempt, /\{"error":"order not known to this receiver"\}/, "the receiver's answer, as text");
    assert.equal(await page.locator('#webhook-secret').count(), 0, 'the secret is not shown again');
    await screenshot(page, 'webhook');

    await page.getByRole('link', { name: 'API clients' }).click();
    await page.getByLabel('Name').waitFor();
    assert.deepEqual(await accessibilityProblems(page), []);
    await page.getByLabel('Name').fill('Warehouse sync');
    await page.getByRole('button', { name: 'Create client' }).click();
    assert.ok((await text(page.locator('#client-secret'))).length >= 20);
    await page.reload();
    assert.equal(await page.locator('#client-secret').count(), 0, 'the secret is not shown again');
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Role').waitFor();
    assert.deepEqual(await accessibilityProblems(page), []);
  });

  test('reads on a phone-sized screen', async () => {
    const phone = await newWatchedPage(browser, { viewport: { width: 390, height: 844 } });
    await signIn(phone.page, server.url, demo.merchant.user);
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    await screenshot(phone.page, 'orders-phone');
    assert.deepEqual(phone.problems, []);
    await phone.context.close();
  });

  test('signing out ends the session: its cookie no longer opens a page', async () => {
    const { page, context } = w;
    const cookie = (await context.cookies()).find((c) => c.name === 'og_session')!;
    assert.ok(cookie.httpOnly && cookie.sameSite === 'Lax');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const r = await fetch(`${server.url}/dashboard/orders`, { headers: { cookie: `og_session=${cookie.value}` }, redirect: 'manual' });
    assert.equal(r.status, 303);
    assert.match(r.headers.get('location') ?? '', /\/dashboard\/sign-in/);
  });

  test('no console errors, failed requests or page errors along the way', () => {
    assert.deepEqual(w.problems, []);
  });
});
