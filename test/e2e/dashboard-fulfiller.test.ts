/**
 * The dashboard in headless Chromium, a supplier's person and a merchant's (SPEC §10): the work queue lists the
 * delivery orders routed to the supplier; three of them move to 4 (In Production) in one action (the Fulfiller
 * API's bulk command), each outcome shown; another is rejected with a reason; a shipment with items, carrier and a
 * tracking link is added to one. The merchant's order page then shows its delivery orders, the shipment's tracking
 * link and the supplier's person in the timeline, and reroutes the rejected delivery order to another supplier.
 * No console errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startServer, type TestServer } from '../support/test-server.ts';
import { accessibilityProblems, launchBrowser, newWatchedPage, screenshot, signIn, type WatchedPage } from '../support/browser.ts';
import { DashboardClient, type DemoLogins as Demo } from '../support/dashboard-http.ts';
import { createOrganization } from '../support/oauth.ts';
import { pollUntil } from '../support/poll.ts';

const TRACKING = '6A12345678901';
const TRACKING_URL = `https://www.laposte.fr/outils/suivre-vos-envois?code=${TRACKING}`;
const escaped = (s: string) => s.replace(/[+.]/g, '\\$&');

async function reloadUntil(page: Page, found: () => Promise<boolean>, message: string): Promise<void> {
  await pollUntil(async () => {
    await page.reload();
    return found();
  }, { timeoutMs: 15_000, intervalMs: 200, message });
}

// The demo supplier stays still: these tests move its orders themselves (#20 makes it a sandbox by default).
const STILL_DEMO = { ORDERGRAPH_SANDBOX: 'false' };

describe('dashboard: fulfiller and merchant in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let demo: Demo;
  let merchant: DashboardClient;
  let supplier: WatchedPage;
  let merchantPage: WatchedPage;
  let otherSupplier: { id: string; name: string };

  before(async () => {
    [server, browser] = await Promise.all([startServer({ env: STILL_DEMO }), launchBrowser()]);
    demo = await server.cli(['demo', '--json']);
    otherSupplier = await createOrganization(server, { kind: 'SUPPLIER', name: 'Second Print Shop' });
    await server.cli(['org', 'connect', '--merchant', demo.merchant.org_id, '--supplier', otherSupplier.id, '--json']);
    merchant = new DashboardClient(server.url);
    await merchant.signIn(demo.merchant.user.email, demo.merchant.user.password);
    // The demo has two OPENED orders; the merchant opens its two drafts too.
    for (const draft of demo.orders.filter((o) => o.state === 'DRAFT')) {
      assert.equal((await merchant.post(`/dashboard/orders/${draft.id}/open`)).status, 303);
      await pollUntil(async () => /<dd>OPENED/.test((await merchant.get(`/dashboard/orders/${draft.id}`)).body), {
        timeoutMs: 15_000,
        message: `order ${draft.number} was not opened`,
      });
    }
    [supplier, merchantPage] = await Promise.all([newWatchedPage(browser), newWatchedPage(browser)]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const byNumber = () => [...demo.orders].sort((a, b) => a.number - b.number);

  test('moves three orders of the work queue to 4 in one action, with each outcome shown', async () => {
    const { page } = supplier;
    await signIn(page, server.url, demo.supplier.user);
    assert.equal(new URL(page.url()).pathname, '/dashboard/queue');
    const boxes = page.getByRole('checkbox', { name: /Select order/ });
    assert.equal(await boxes.count(), 4);
    await screenshot(page, 'queue');
    assert.deepEqual(await accessibilityProblems(page), []);
    // By keyboard only: Space ticks a box, Tab moves on, Enter presses the button.
    await boxes.nth(0).focus();
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Space');
      await page.keyboard.press('Tab'); // to the order's link
      await page.keyboard.press('Tab'); // to the next row's box
    }
    await page.getByLabel('Move the selected orders to').selectOption('4');
    await page.getByRole('button', { name: 'Move selected' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Moved 3 of 3 orders to 4 In Production' }).waitFor();
    assert.equal(await page.getByText('now 4 In Production').count(), 3);
    await screenshot(page, 'queue-moved');

    await page.getByRole('link', { name: 'Back to the work queue' }).click();
    await page.getByLabel('Status').selectOption('4');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/status=4/);
    assert.equal(await boxes.count(), 3);
  });

  test('rejects an order with a reason; an order in production cannot be', async () => {
    const { page } = supplier;
    const [inProduction, , , waiting] = byNumber();
    await page.goto(`${server.url}/dashboard/queue`);
    await page.getByRole('checkbox', { name: `Select order ${waiting.number}` }).check();
    await page.getByRole('checkbox', { name: `Select order ${inProduction.number}` }).check();
    await page.getByLabel('Reason for rejecting').fill('Out of A2 poster paper until January');
    await page.getByRole('button', { name: 'Reject selected' }).click();
    await page.getByRole('heading', { name: 'Rejected 1 of 2 orders' }).waitFor();
    const rows = page.locator('tbody tr');
    assert.match((await rows.nth(0).textContent()) ?? '', /can be rejected only before 4 In Production/);
    assert.match((await rows.nth(1).textContent()) ?? '', /\(rejected\)/);
  });

  test('adds a shipment with its items, carrier and tracking link to a delivery order', async () => {
    const { page } = supplier;
    const first = byNumber()[0]; // 2 × TSHIRT-BLK-M, now In Production
    await page.goto(`${server.url}/dashboard/queue`);
    await page.getByRole('link', { name: `#${first.number}` }).click();
    await page.getByRole('heading', { name: 'Add a shipment' }).waitFor();
    assert.deepEqual(await accessibilityProblems(page), []);
    const units = page.getByLabel(/TSHIRT-BLK-M \(2 left\)/);
    assert.equal(await units.inputValue(), '2');
    // A refusal names the form's field and the rule, and adds nothing.
    await page.getByLabel('Tracking URL').fill('ftp://files.example/parcel');
    await page.getByRole('button', { name: 'Add shipment' }).click();
    await page.getByRole('alert').filter({ hasText: '`shipment.trackingUrl` must be an absolute http(s) URL' }).waitFor();
    assert.match((await page.locator('main').textContent()) ?? '', /No shipments yet/);

    await units.fill('1');
    await page.getByLabel('Carrier').fill('Colissimo');
    await page.getByLabel('Tracking number').fill(TRACKING);
    await page.getByLabel('Tracking URL').fill(TRACKING_URL);
    await page.getByRole('button', { name: 'Add shipment' }).click();
    await page.getByRole('status').filter({ hasText: `Shipment added: 1 unit, tracking ${TRACKING}` }).waitFor();
    assert.equal(await page.getByRole('link', { name: TRACKING }).getAttribute('href'), TRACKING_URL);
    assert.match((await page.locator('tbody').first().textContent()) ?? '', /PARTIALLY_FULFILLED/);
    assert.equal(await page.getByLabel(/TSHIRT-BLK-M \(1 left\)/).inputValue(), '1');
    await screenshot(page, 'delivery-order');
  });

  test("the merchant's order page: delivery orders, the shipment's tracking link, the supplier's person in the timeline", async () => {
    const { page } = merchantPage;
    const first = byNumber()[0];
    await signIn(page, server.url, demo.merchant.user);
    await page.goto(`${server.url}/dashboard/orders/${first.id}`);
    await page.getByRole('heading', { name: 'Delivery orders' }).waitFor();
    const parts = page.locator('table', { has: page.getByRole('columnheader', { name: 'Supplier' }) });
    assert.match((await parts.textContent()) ?? '', /Demo Print Shop\s*OPENED\s*4 In Production/);
    const link = page.getByRole('link', { name: TRACKING });
    assert.equal(await link.getAttribute('href'), TRACKING_URL);
    const timeline = (await page.locator('.timeline').textContent()) ?? '';
    assert.match(timeline, new RegExp(`status-changed by ${escaped(demo.supplier.user.email)}`));
    assert.match(timeline, new RegExp(`shipped by ${escaped(demo.supplier.user.email)}`));
    assert.match(timeline, /status: 1 → 4/);
    assert.deepEqual(await accessibilityProblems(page), []);
    await screenshot(page, 'order-fulfilment');
  });

  test('the merchant reroutes the rejected delivery order to another supplier', async () => {
    const { page } = merchantPage;
    const rejected = byNumber()[3];
    await page.goto(`${server.url}/dashboard/orders/${rejected.id}`);
    assert.match((await page.locator('main').textContent()) ?? '', /rejected: Out of A2 poster paper until January/);
    await page.getByLabel(`Reroute #${rejected.number} to`).selectOption({ label: otherSupplier.name });
    await page.getByRole('button', { name: 'Reroute' }).click();
    await page.getByRole('status').filter({ hasText: 'REROUTE requested' }).waitFor();
    await reloadUntil(page, async () => /rerouted to #\d+/.test((await page.locator('main').textContent()) ?? ''), 'the reroute was not applied');
    assert.match((await page.locator('main').textContent()) ?? '', /#\d+\s*Second Print Shop\s*\w+\s*1 Received\s*3 × POSTER-A2/);
    await screenshot(page, 'order-rerouted');
  });

  test('no console errors, failed requests or page errors along the way', () => {
    assert.deepEqual(supplier.problems, []);
    assert.deepEqual(merchantPage.problems, []);
  });
});
