/**
 * Headless Chromium for the dashboard tests: Debian's /usr/bin/chromium driven by playwright-core (no browser
 * download, no network). One browser per test file; every page records console errors, failed requests and
 * uncaught exceptions, which the tests assert are none.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './paths.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, page errors and failed requests seen so far. */
  problems: string[];
}

export async function newWatchedPage(browser: Browser, opts: { viewport?: { width: number; height: number } } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  return { page, context, problems };
}

export async function signIn(page: Page, baseUrl: string, login: { email: string; password: string }): Promise<void> {
  await page.goto(`${baseUrl}/dashboard`);
  await page.getByLabel('Email').fill(login.email);
  await page.getByLabel('Password').fill(login.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/**
 * Screenshots go to docs/dashboard/ only when DASHBOARD_SCREENSHOTS=docs (a deliberate refresh of the docs'
 * pictures, on SQLite), else to the git-ignored .tmp/dashboard-screenshots/: every run's pictures differ (dates,
 * ids), and CI must not dirty the tree.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const toDocs = process.env.DASHBOARD_SCREENSHOTS === 'docs' && process.env.TEST_DB !== 'postgres';
  const dir = path.join(REPO_ROOT, toDocs ? 'docs/dashboard' : '.tmp/dashboard-screenshots');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/**
 * Form controls a screen reader could not name (no <label>, aria-label or aria-labelledby), and whether the page
 * has exactly one h1 and a main landmark: a cheap accessibility floor every dashboard page must meet.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    for (const el of document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      const named = (el.labels?.length ?? 0) > 0 || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!named) problems.push(`unlabelled ${el.tagName.toLowerCase()} name=${el.getAttribute('name')}`);
    }
    if (document.querySelectorAll('h1').length !== 1) problems.push(`${document.querySelectorAll('h1').length} h1 elements`);
    if (!document.querySelector('main')) problems.push('no main landmark');
    if (!document.documentElement.lang) problems.push('no lang on <html>');
    return problems;
  });
}
