import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createApproverRegistry } from '../../src/approvals';
import { PolicyEngine } from '../../src/policy';
import { apiFixture, integrationEnv } from '../integration/helpers';
import {
  EXAMPLE_POLICY,
  EXPECTED_HITS,
  policiesWorker,
  RECORDED_CALLS,
  recordPolicyCalls,
  saveStricterBacktest,
} from '../integration/policies-calls';
import { launchChromium, screenshotPath, signedIn } from './browser';

/** The page's globals this file uses (it compiles without the DOM library). */
interface PageGlobals {
  document: { activeElement: { id?: string; tagName?: string; getAttribute(name: string): string | null } | null };
}

const TOKEN = 'inbox-policies-token-0123456789abcdef';
const lastBacktestFile = join(mkdtempSync(join(tmpdir(), 'dg-inbox-policies-')), 'last-backtest.json');
const file = {} as { env: Awaited<ReturnType<typeof integrationEnv>> };
let stop: () => Promise<void>;
let browser: Browser;

beforeAll(async () => {
  file.env = await integrationEnv('inbox-policies-e2e');
  stop = (await policiesWorker(file.env)).stop;
  await recordPolicyCalls(file.env);
  await saveStricterBacktest(file.env, lastBacktestFile, {
    savedAt: '2026-12-01T09:30:00.000Z',
    candidateFiles: ['test/integration/fixtures/backtest/stricter.yaml'],
    failedThresholds: [],
  });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stop?.();
  await file.env?.close();
});

const fixture = apiFixture(file, {
  approvers: createApproverRegistry([{ id: 'alice', groups: ['finance'], token: TOKEN }]),
  policyFiles: [EXAMPLE_POLICY],
  lastBacktestFile,
});

test("from the inbox's header to the Policies page: version, rule hits, shadow disagreement, last backtest", async () => {
  const page = await signedIn(browser, fixture.api.url, TOKEN, 'alice');
  try {
    await page.click('header nav a:has-text("Policies")');
    await page.waitForURL(`${fixture.api.url}/inbox/policies`);
    // The token entered in the inbox is this tab's: the overview loads without asking again.
    await page.locator('#policies[data-loading="0"] #rules').waitFor();
    await expect(page.locator('#who').textContent()).resolves.toBe('Signed in as alice');
    await expect(page.locator('.policy-version').textContent()).resolves.toBe(
      PolicyEngine.fromFiles([EXAMPLE_POLICY]).version,
    );
    await expect(page.locator('#files td code').first().textContent()).resolves.toBe(EXAMPLE_POLICY);
    const rows = page.locator('#rules tbody tr');
    await expect(rows.count()).resolves.toBe(Object.keys(EXPECTED_HITS).length);
    const shown: Record<string, [string, string]> = {};
    for (let i = 0; i < (await rows.count()); i++) {
      const row = rows.nth(i);
      shown[(await row.locator('.rule-id').textContent()) as string] = [
        (await row.locator('.hits-day').textContent()) as string,
        (await row.locator('.hits-week').textContent()) as string,
      ];
    }
    expect(shown).toEqual(Object.fromEntries(Object.entries(EXPECTED_HITS).map(([id, n]) => [id, [`${n}`, `${n}`]])));
    await expect(page.locator('.shadow-totals').textContent()).resolves.toBe(
      `${RECORDED_CALLS} calls with a shadow decision: 16 agreed, 6 disagreed.`,
    );
    await expect(page.locator('#shadow [data-cell="allow->escalate"]').textContent()).resolves.toBe('4');
    await expect(page.locator('#backtest .decided').textContent()).resolves.toBe(
      `${RECORDED_CALLS} calls: 6 changed, 16 unchanged`,
    );
    await expect(page.locator('#backtest [data-cell="escalate->block"]').textContent()).resolves.toBe('2');
    await expect(page.locator('#backtest .sharp-allowed-would-escalate').textContent()).resolves.toBe('4');
    await page.screenshot({ path: screenshotPath('inbox-policies.png'), fullPage: true });
  } finally {
    await page.close();
  }
}, 120_000);

test('keyboard only: the token form, refresh and every table region are reached with Tab; a bad token is refused', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  try {
    await page.goto(`${fixture.api.url}/inbox/policies`);
    await expect(page.locator('#message').textContent()).resolves.toBe(
      'Enter your approver token to see the policies in force.',
    );
    await page.focus('#token');
    await page.keyboard.type('not-a-token-of-anyone');
    await page.keyboard.press('Enter');
    await page.locator('#message:has-text("That token was not accepted")').waitFor();
    await page.focus('#token');
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    await page.locator('#policies[data-loading="0"] #backtest').waitFor();
    const focused = () =>
      page.evaluate(() => {
        const el = (globalThis as unknown as PageGlobals).document.activeElement;
        return el ? `${el.tagName}#${el.id ?? ''}[${el.getAttribute('aria-labelledby') ?? ''}]` : '';
      });
    await page.focus('#refresh');
    const reached: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      reached.push(await focused());
    }
    expect(reached.filter((r) => r.startsWith('DIV#['))).toEqual([
      'DIV#[files-caption]',
      'DIV#[rules-caption]',
      'DIV#[shadow-caption]',
      'DIV#[backtest-caption]',
    ]);
    await page.focus('#refresh');
    await page.keyboard.press('Enter');
    await page.locator('#policies[data-loading="0"] #rules').waitFor();
    await expect(page.locator('#rules tbody tr').count()).resolves.toBe(Object.keys(EXPECTED_HITS).length);
  } finally {
    await page.close();
  }
}, 120_000);
