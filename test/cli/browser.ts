/**
 * A real headless Chromium from npm alone: @sparticuz/chromium ships a brotli-compressed
 * Chromium inside its package and unpacks it to the temporary folder at the first launch;
 * puppeteer-core drives it. Nothing is downloaded. Runs without the sandbox (tests run as root)
 * and without background networking (the machine has no network; the page must need none).
 */
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: await chromium.executablePath(),
    args: [
      ...chromium.args,
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
    headless: true,
    defaultViewport: { width: 1300, height: 900 },
  });
}

export interface PageLog {
  /** Console messages of type error, and uncaught exceptions. */
  readonly errors: string[];
  /** Every request the page made other than the file itself. */
  readonly requests: string[];
}

/**
 * Open a local file: every request other than the file's own URL is recorded and refused, and
 * every console error or uncaught exception recorded.
 */
export async function openFile(browser: Browser, file: string): Promise<{ page: Page; log: PageLog }> {
  const url = `file://${file}`;
  const page = await browser.newPage();
  const log: PageLog = { errors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') log.errors.push(m.text());
  });
  page.on('pageerror', (e) => log.errors.push(String(e)));
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    if (req.url() === url) void req.continue();
    else {
      log.requests.push(req.url());
      void req.abort();
    }
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, log };
}
