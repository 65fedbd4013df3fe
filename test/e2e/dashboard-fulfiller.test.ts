/**
 * The dashboard in headless Chromium, as the demo supplier (SPEC §10): the work queue lists the orders routed to
 * it; three of them move to 4 (In Production) in one action, through the Fulfiller API's bulk command, each with
 * its outcome shown; the merchant's timeline names the supplier's person. No console errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startServer, type TestServer } from '../support/test-server.ts';
import { accessibilityProblems, launchBrowser, newWatchedPage, screenshot, signIn, type WatchedPage } from '../support/browser.ts';
import { DashboardClient, type DemoLogins as Demo } from '../support/dashboard-http.ts';
import { pollUntil } from '../support/poll.ts';


describe('dashboard: fulfiller in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let demo: Demo;
  let merchant: DashboardClient;
  let w: WatchedPage;

  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    demo = await server.cli(['demo', '--json']);
    merchant = new DashboardClient(server.url);
    await merchant.signIn(demo.merchant.user.email, demo.merchant.user.password);
    // The demo has two OPENED orders; the merchant opens a third.
    const draft = demo.orders.find((o) => o.state === 'DRAFT')!;
    assert.equal((await merchant.post(`/dashboard/orders/${draft.id}/open`)).status, 303);
    await pollUntil(async () => /<dd>OPENED/.test((await merchant.get(`/dashboard/orders/${draft.id}`)).body), {
      timeoutMs: 15_000,
      message: 'the third order was not opened',
    });
    w = await newWatchedPage(browser);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('moves three orders of the work queue to 4 in one action, with each outcome shown', async () => {
    const { page } = w;
    await signIn(page, server.url, demo.supplier.user);
    assert.equal(new URL(page.url()).pathname, '/dashboard/queue');
    const boxes = page.getByRole('checkbox', { name: /Select order/ });
    assert.equal(await boxes.count(), 3);
    await screenshot(page, 'queue');
    assert.deepEqual(await accessibilityProblems(page), []);
    for (let i = 0; i < 3; i++) await boxes.nth(i).check();
    await page.getByLabel('Move the selected orders to').selectOption('4');
    await page.getByRole('button', { name: 'Move selected' }).click();
    await page.getByRole('heading', { name: 'Moved 3 of 3 orders to 4 In Production' }).waitFor();
    assert.equal(await page.getByText('now 4 In Production').count(), 3);
    await screenshot(page, 'queue-moved');

    await page.getByRole('link', { name: 'Back to the work queue' }).click();
    await page.getByLabel('Status').selectOption('4');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/status=4/);
    assert.equal(await boxes.count(), 3);
  });

  test("the merchant's timeline names the supplier's person", async () => {
    const opened = demo.orders.find((o) => o.state === 'OPENED')!;
    const body = (await merchant.get(`/dashboard/orders/${opened.id}`)).body;
    assert.match(body, new RegExp(`status-changed</strong> by <span class="who">${demo.supplier.user.email.replace(/[+.]/g, '\\$&')}`));
    assert.match(body, /status: 1 → 4/);
  });

  test('no console errors, failed requests or page errors along the way', () => {
    assert.deepEqual(w.problems, []);
  });
});
