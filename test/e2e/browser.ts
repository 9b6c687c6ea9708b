/** Headless Chromium for the inbox's end-to-end tests, and the steps every test takes on the page. */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/install-chromium.sh (as root) before the e2e tests`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** docs/NAME is refreshed on request only (UPDATE_SCREENSHOTS=1), so a test run leaves the work tree clean. */
export function screenshotPath(name: string): string {
  return process.env.UPDATE_SCREENSHOTS === '1' ? join(__dirname, '../../docs', name) : join(tmpdir(), `dg-${name}`);
}

/** A new inbox page at `url` with the approver token entered. */
export async function signedIn(browser: Browser, url: string, token: string, who: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(`${url}/`);
  await page.fill('#token', token);
  await page.click('#token-form button[type=submit]');
  await page.waitForSelector(`#who:has-text("${who}")`);
  return page;
}
