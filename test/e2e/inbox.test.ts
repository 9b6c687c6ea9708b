import type { Browser } from 'playwright-core';
import { createApproverRegistry } from '../../src/approvals';
import { apiFixture, tableDecider, waitFor, workerForFile } from '../integration/helpers';
import { launchChromium, screenshotPath, signedIn } from './browser';

const TOKEN = 'inbox-e2e-token-0123456789abcdef';

const decider = tableDecider({
  process_refund: {
    action: 'escalate',
    reason: 'refund over 1000',
    rulesTriggered: [{ id: 'big-refund', action: 'escalate', mode: 'enforce' }],
    escalation: { timeoutMs: 120_000, approverGroups: ['finance'] },
  },
  rotate_keys: {
    action: 'escalate',
    reason: 'production change',
    rulesTriggered: [{ id: 'prod-change', action: 'escalate', mode: 'enforce' }],
    escalation: { timeoutMs: 120_000, approverGroups: ['finance'], maxWindowMs: 600_000 },
  },
});

const file = workerForFile('inbox-e2e', decider);
const fixture = apiFixture(file, {
  approvers: createApproverRegistry([{ id: 'alice', groups: ['finance'], token: TOKEN }]),
});
let env: typeof file.env;
let browser: Browser;

beforeAll(async () => {
  env = file.env;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function pendingRefund(amount: number, note: string): Promise<string> {
  const result = await env.guard.check('process_refund', { amount, note });
  const id = result.escalationId as string;
  await waitFor(async () => ((await env.guard.status(id)).status === 'pending-approval' ? true : undefined));
  return id;
}

/** The inbox page with the token entered, refreshed until the escalation's card is listed. */
async function openCard(id: string) {
  const page = await signedIn(browser, fixture.api.url, TOKEN, 'alice');
  const card = page.locator(`article.escalation[data-id="${id}"]`);
  await waitFor(async () => {
    await page.click('#refresh');
    await page.waitForLoadState('networkidle');
    return (await card.count()) ? true : undefined;
  });
  // No load still on its way that would replace the card (and what the test is about to read on it).
  await page.locator('#escalations[aria-busy="false"]').waitFor();
  return { page, card };
}

test("an approver extends a window from the inbox, up to the rule's maxWindow", async () => {
  const result = await env.guard.check('rotate_keys', { service: 'billing' });
  const id = result.escalationId as string;
  await waitFor(async () => ((await env.guard.status(id)).status === 'pending-approval' ? true : undefined));
  const before = Date.parse((await env.guard.status(id)).expiresAt as string);
  const { page, card } = await openCard(id);
  try {
    await expect(card.locator('.extendable-until').textContent()).resolves.toMatch(/^\d{4}-/);
    await card.locator('button[data-extend]').click();
    await card.locator('.outcome:has-text("Give a duration")').waitFor();
    await card.locator('.extend-for').fill('soon');
    await card.locator('button[data-extend]').click();
    await card.locator('.outcome:has-text("GUARD_INVALID_REQUEST")').waitFor();
    await card.locator('.extend-for').fill('1h');
    await card.locator('button[data-extend]').click();
    await card.locator('.outcome:has-text("GUARD_EXTEND_REFUSED")').waitFor();
    await card.locator('.extend-for').fill('3m');
    await card.locator('button[data-extend]').click();
    await card.locator('.outcome:has-text("Extended: the window now ends")').waitFor();
  } finally {
    await page.close();
  }
  const after = Date.parse((await env.guard.status(id)).expiresAt as string);
  expect(after - before).toBeGreaterThanOrEqual(180_000);
  await env.guard.deny(id, { by: 'alice', groups: ['finance'], reason: 'done' });
});

test('an approver enters a token once, approves one escalation with an edit and denies another', async () => {
  const approveId = await pendingRefund(4200, 'customer <b>u42</b>');
  const denyId = await pendingRefund(9900, 'duplicate claim');
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  try {
    await page.goto(`${fixture.api.url}/`);
    await page.fill('#token', TOKEN);
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector('#who:has-text("alice")');
    expect(await page.evaluate("sessionStorage.getItem('durable-guard-token')")).toBe(TOKEN);

    // Visibility lags a moment behind the workflows: refresh until both cards are listed.
    const card = (id: string) => page.locator(`article.escalation[data-id="${id}"]`);
    await waitFor(async () => {
      await page.click('#refresh');
      await page.waitForLoadState('networkidle');
      return (await card(approveId).count()) && (await card(denyId).count()) ? true : undefined;
    });
    // Input is shown escaped, as text.
    await expect(card(approveId).locator('.input-editor').inputValue()).resolves.toContain('customer <b>u42</b>');
    await expect(card(approveId).locator('.rules').textContent()).resolves.toBe('big-refund');

    await page.reload();
    await card(approveId).waitFor();
    // docs/inbox.png is refreshed on request only, so a test run leaves the work tree clean.
    await page.screenshot({ path: screenshotPath('inbox.png'), fullPage: true });

    await card(approveId)
      .locator('.input-editor')
      .fill(JSON.stringify({ amount: 1000, note: 'partial refund' }));
    await card(approveId).locator('.decision-reason').fill('partial only');
    await card(approveId).locator('button[data-action=approve]').click();
    await card(approveId).locator('.outcome:has-text("Approved")').waitFor();

    await card(denyId).locator('button[data-action=deny]').click();
    await card(denyId).locator('.outcome:has-text("Give a reason")').waitFor();
    await card(denyId).locator('.decision-reason').fill('duplicate');
    await card(denyId).locator('button[data-action=deny]').click();
    await card(denyId).locator('.outcome:has-text("Denied")').waitFor();
  } finally {
    await page.close();
  }

  expect(await env.guard.waitForResult(approveId)).toMatchObject({
    action: 'modify',
    modifiedInput: { amount: 1000, note: 'partial refund' },
    reason: 'partial only',
    decidedBy: { kind: 'human', identity: 'alice' },
  });
  expect(await env.guard.waitForResult(denyId)).toMatchObject({
    action: 'block',
    reason: 'duplicate',
    decidedBy: { kind: 'human', identity: 'alice' },
  });
});
