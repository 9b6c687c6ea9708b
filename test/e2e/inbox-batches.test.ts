import pLimit from 'p-limit';
import type { Browser, Page } from 'playwright-core';
import { createApproverRegistry } from '../../src/approvals';
import { pendingEscalationsQuery } from '../../src/approvals/escalation-query';
import { webUiLink } from '../../src/backtest/report';
import { BatchClient, BulkDecisionClient } from '../../src/client';
import { statusQuery, type GuardedCallInput } from '../../src/workflows/definitions';
import { apiFixture, tableDecider, waitFor, workerForFile } from '../integration/helpers';
import { launchChromium, screenshotPath, signedIn } from './browser';

/** The page's globals this file uses (it compiles without the DOM library). */
interface PageGlobals {
  document: { activeElement: unknown };
  getComputedStyle(el: unknown): { outlineStyle: string; outlineWidth: string };
}

const TOKEN = 'inbox-batches-token-0123456789abcdef';
const WEB_UI = 'http://localhost:8233';
const HOUR = 3_600_000;

const escalate = (rule: string, maxGrantMs: number) => ({
  action: 'escalate' as const,
  reason: `${rule} needs a person`,
  rulesTriggered: [{ id: rule, action: 'escalate' as const, mode: 'enforce' as const }],
  escalation: { timeoutMs: 2 * HOUR, approverGroups: ['finance'], maxGrantMs },
});

const decider = tableDecider({
  process_refund: escalate('big-refund', 2 * HOUR),
  open_door: escalate('door', HOUR),
  ship_order: escalate('ship', HOUR),
});
const file = workerForFile('inbox-batches-e2e', decider, {
  process_refund: () => ({ refunded: true }),
  open_door: () => ({ opened: true }),
  ship_order: () => ({ shipped: true }),
});
const fixture = apiFixture(file, {
  webUiUrl: WEB_UI,
  approvers: createApproverRegistry([{ id: 'alice', groups: ['finance'], token: TOKEN }]),
});
let env: typeof file.env;
let browser: Browser;
const run = Date.now().toString(36);

beforeAll(async () => {
  env = file.env;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function pendingCount(filters: { batch?: string; tool?: string }): Promise<number> {
  const { count } = await env.client.workflow.count(pendingEscalationsQuery({ taskQueue: env.taskQueue, ...filters }));
  return count;
}

async function waitPending(expected: number, filters: { batch?: string; tool?: string }) {
  await waitFor(async () => ((await pendingCount(filters)) === expected ? true : undefined), 240_000);
}

/** Escalating calls started one by one (no batch workflow), each with `context.batch`. */
async function startPending(batch: string, calls: Omit<GuardedCallInput, 'context'>[]): Promise<string[]> {
  const ids = calls.map((_, i) => `${batch}-${i}`);
  await Promise.all(
    calls.map((call, i) =>
      env.client.workflow.start('guardedCall', {
        workflowId: ids[i] as string,
        taskQueue: env.taskQueue,
        args: [{ ...call, context: { batch } }],
      }),
    ),
  );
  return ids;
}

/** Refreshes the page's lists and waits until the grouped view is rendered from the new answer. */
async function refresh(page: Page) {
  await page.click('#refresh');
  await page.locator('#groups[data-loading="0"]').waitFor({ state: 'attached' });
  await page.waitForLoadState('networkidle');
}

/** The group card of `batch` and `tool`, once the grouped view (refreshed) lists it with `count` pending. */
async function groupCard(page: Page, batch: string, tool: string, count: number) {
  const card = page.locator(`article.group[data-batch="${batch}"][data-tool="${tool}"]`);
  await waitFor(async () => {
    await refresh(page);
    return (await card.count()) && (await card.locator('.count').textContent()) === `${count} pending`
      ? true
      : undefined;
  }, 120_000);
  return card;
}

/** Each escalation's final result, and how many `decide` updates its history accepted. */
async function decisions(ids: string[]) {
  const limit = pLimit(16);
  return Promise.all(
    ids.map((id) =>
      limit(async () => {
        const handle = env.client.workflow.getHandle(id);
        const status = await handle.query(statusQuery);
        const history = await handle.fetchHistory();
        const accepted = (history.events ?? []).filter(
          (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'decide',
        ).length;
        const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
        return { id, result: status.result, accepted, signals };
      }),
    ),
  );
}

/** A `guardBatch` of `count` open_door items, and its progress as the inbox shows it once all of them wait. */
async function doorBatch(batchId: string, count: number) {
  const items = Array.from({ length: count }, (_, door) => ({ tool: 'open_door', input: { door } }));
  const handle = await new BatchClient(env.client, env.taskQueue).submitItems(items, { batchId });
  await waitPending(count, { batch: batchId });
  return handle;
}

async function batchProgressShown(page: Page, card: ReturnType<Page['locator']>, text: string) {
  await waitFor(async () => {
    await refresh(page);
    return ((await card.locator('.batch-progress').textContent()) ?? '').includes(text) ? true : undefined;
  }, 60_000);
}

test('a 500-item group is approved in one action, after a confirmation that states 500', async () => {
  // Started directly (the batch worker's way, like the bulk-decision tests): a 500-item guardBatch adds minutes of
  // batch bookkeeping on a loaded machine and nothing to what the inbox does. The batch's progress is shown for
  // the small batch of doors.
  const batchId = `inbox-500-${run}`;
  const ids = await startPending(
    batchId,
    Array.from({ length: 500 }, (_, i) => ({ tool: 'process_refund', input: { amount: 2000 + i } })),
  );
  const doors = `doors-${run}`;
  await doorBatch(doors, 3);
  await waitPending(500, { batch: batchId });

  const page = await signedIn(browser, fixture.api.url, TOKEN, 'alice');
  try {
    const card = await groupCard(page, batchId, 'process_refund', 500);
    await expect(card.locator('.rule').textContent()).resolves.toBe('big-refund');
    await expect(card.locator('.time-left').textContent()).resolves.toMatch(/^1h(\d+m)?(\d+s)? left$/);
    await expect(card.locator('.batch-progress').textContent()).resolves.toBe(
      'no batch workflow (escalations started one by one)',
    );
    const doorCard = await groupCard(page, doors, 'open_door', 3);
    await batchProgressShown(page, doorCard, '0 of 3 items done, 3 waiting for approval (running)');
    // The oldest escalation links to its run in the Web UI.
    const sample = (await card.getAttribute('data-sample')) as string;
    const { runId } = await env.client.workflow.getHandle(sample).describe();
    await expect(card.locator('.oldest a.web-ui').getAttribute('href')).resolves.toBe(
      webUiLink({ baseUrl: WEB_UI, namespace: env.client.options.namespace }, sample, runId),
    );
    // The top of the page, whatever the scroll: the selection and the groups (the cards below are in inbox.png).
    await page.screenshot({
      path: screenshotPath('inbox-groups.png'),
      fullPage: true,
      clip: { x: 0, y: 0, width: 1100, height: 900 },
    });

    await card.locator('button[data-select]').click();
    await expect(card.locator('button[data-select]').getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(page.locator('#selection-text').textContent()).resolves.toContain('all 500 in the group');
    await page.click('#approve-selection');
    const dialog = page.locator('dialog#confirm[open]');
    await dialog.waitFor();
    await expect(page.locator('#confirm-text').textContent()).resolves.toMatch(/^Approve 500 escalations \(/);
    await expect(page.locator('#confirm-yes').textContent()).resolves.toBe('Approve 500');
    await page.screenshot({ path: screenshotPath('inbox-confirm.png') });
    await page.click('#confirm-yes');
    await page.locator('#bulk-progress[data-state="completed"]').waitFor({ timeout: 240_000 });
    await expect(page.locator('#bulk-progress .bulk-line').textContent()).resolves.toContain(
      '500 decided, 0 already decided, 0 timed out, 0 not allowed, 0 failed (500 looked at)',
    );
    const bulkId = (await page.locator('#bulk-progress').getAttribute('data-bulk-id')) as string;

    const progress = await new BulkDecisionClient(env.client, env.taskQueue).result(bulkId);
    expect(progress).toMatchObject({ state: 'completed', decision: 'approve', approver: 'alice', seen: 500 });
    expect(progress.counts.decided).toBe(500);
    expect(progress.filter).toEqual({ batch: batchId, tool: 'process_refund', rule: 'big-refund' });
    const decided = await decisions(ids);
    for (const d of decided) {
      expect(d.result).toMatchObject({ action: 'allow', decidedBy: { kind: 'human', identity: 'alice' } });
      expect(d.result?.reason).toContain(`(bulk decision ${bulkId})`);
      expect([d.id, d.accepted, d.signals]).toEqual([d.id, 1, 0]);
    }
    // The doors stay pending: the selection was the refund group only.
    expect(await pendingCount({ batch: doors })).toBe(3);
  } finally {
    await page.close();
  }
}, 600_000);

test("a grant created from a group decides the group, and its expiry is held to the rule's maxGrant", async () => {
  const batch = `grant-${run}`;
  const handle = await doorBatch(batch, 4);
  const ids = [0, 1, 2, 3].map((i) => `${batch}/${i}`);
  const page = await signedIn(browser, fixture.api.url, TOKEN, 'alice');
  let grantId: string | undefined;
  try {
    const card = await groupCard(page, batch, 'open_door', 4);
    await batchProgressShown(page, card, '0 of 4 items done, 4 waiting for approval (running)');
    await card.locator('details.grant summary').click();
    await expect(card.locator('.grant-for').inputValue()).resolves.toBe('1h');
    const grantFor = async (duration: string, reason: string, outcome: string) => {
      await card.locator('.grant-for').fill(duration);
      await card.locator('.grant-reason').fill(reason);
      await card.locator('button[data-grant]').click();
      await card.locator(`.outcome:has-text("${outcome}")`).waitFor({ timeout: 120_000 });
    };
    await grantFor('3h', 'night shift doors', "too long: at most 1h (the rule's maxGrant)");
    await grantFor('30m', '', 'Give a reason');
    await grantFor('30m', 'night shift doors', '4 of 4 decided by the grant');
    grantId = (await card.getAttribute('data-grant-id')) as string;
    expect(grantId).toMatch(/^grant-/);
  } finally {
    await page.close();
  }
  const grant = await env.client.workflow.getHandle(grantId).describe();
  expect(grant.type).toBe('standingGrant');
  for (const d of await decisions(ids)) {
    expect(d.result).toMatchObject({
      action: 'allow',
      decidedBy: { kind: 'grant', grantId, identity: 'alice' },
    });
    expect(d.accepted).toBe(1);
  }
  const summary = await handle.result();
  expect(summary.counts.byAction.allow).toBe(4);
  const res = await fixture.http('DELETE', `/v1/grants/${grantId}`, { token: TOKEN });
  expect(res.status).toBe(200);
  expect(res.json).toMatchObject({ id: grantId, state: 'revoked' });
}, 300_000);

test('keyboard only: select a group, cancel with Escape, deny by a filter, approve with Space; focus is visible', async () => {
  const batch = `kbd-${run}`;
  const ids = await startPending(
    batch,
    [50, 150, 250].map((amount) => ({ tool: 'ship_order', input: { amount } })),
  );
  await waitPending(3, { batch });
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  try {
    await page.goto(`${fixture.api.url}/`);
    await page.focus('#token');
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#who:has-text("alice")');
    const card = await groupCard(page, batch, 'ship_order', 3);
    const select = card.locator('button[data-select]');
    // The page's own globals, as strings: this file compiles without the DOM library.
    const focused = () =>
      page.evaluate<string>("document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : ''");
    const focusedId = () => page.evaluate<string>("document.activeElement ? document.activeElement.id : ''");

    /** Presses Tab (or Shift+Tab) until `target` has the focus; fails after 80 presses. */
    async function tabTo(target: ReturnType<Page['locator']>, key = 'Tab') {
      for (let i = 0; i < 80; i++) {
        if (await target.evaluate((el) => el === (globalThis as unknown as PageGlobals).document.activeElement)) return;
        await page.keyboard.press(key);
      }
      throw new Error(`could not reach the element with ${key}; the focus is on ${await focused()}`);
    }

    await page.focus('#token');
    await tabTo(select);
    const outline = await select.evaluate((el) => {
      const style = (globalThis as unknown as PageGlobals).getComputedStyle(el);
      return [style.outlineStyle, style.outlineWidth];
    });
    expect(outline).toEqual(['solid', '3px']);
    await page.keyboard.press('Space');
    await expect(select.getAttribute('aria-pressed')).resolves.toBe('true');

    const approve = page.locator('#approve-selection');
    await tabTo(approve, 'Shift+Tab');
    await page.keyboard.press('Enter');
    await page.locator('dialog#confirm[open]').waitFor();
    await expect(page.locator('#confirm-text').textContent()).resolves.toMatch(/^Approve 3 escalations/);
    expect(await focusedId()).toBe('confirm-no');
    await page.keyboard.press('Escape');
    await page.locator('#bulk-progress:has-text("Cancelled: nothing was decided")').waitFor();
    expect(await focusedId()).toBe('approve-selection');
    expect(await pendingCount({ batch })).toBe(3);

    // Deny by a filter: batch and a CEL condition over the input, typed and submitted from the keyboard.
    await page.focus('#bulk-batch');
    await page.keyboard.type(batch);
    await page.focus('#bulk-where');
    await page.keyboard.type('input.amount > 100');
    await page.keyboard.press('Enter');
    await expect(page.locator('#selection-text').textContent()).resolves.toContain(
      `batch ${batch}, where input.amount > 100`,
    );
    await page.focus('#deny-selection');
    await page.keyboard.press('Enter');
    await page.locator('#bulk-progress:has-text("Give a reason to deny")').waitFor();
    await page.focus('#bulk-reason');
    await page.keyboard.type('over the shipping budget');
    await tabTo(page.locator('#deny-selection'));
    await page.keyboard.press('Enter');
    await page.locator('dialog#confirm[open]').waitFor();
    await expect(page.locator('#confirm-text').textContent()).resolves.toMatch(/^Deny 2 escalations/);
    await page.keyboard.press('Shift+Tab');
    expect(await focusedId()).toBe('confirm-yes');
    await page.keyboard.press('Space');
    await page.locator('#bulk-progress[data-state="completed"]').waitFor({ timeout: 120_000 });
    await expect(page.locator('#bulk-progress .bulk-line').textContent()).resolves.toContain(
      'Denied (done): 2 decided',
    );

    // What is left of the group: one, approved with Enter on the confirmation button.
    await page.focus('#bulk-where');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Enter');
    await page.focus('#approve-selection');
    await page.keyboard.press('Enter');
    await page.locator('dialog#confirm[open]').waitFor();
    await expect(page.locator('#confirm-text').textContent()).resolves.toMatch(/^Approve 1 escalation \(/);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.locator('#bulk-progress[data-state="completed"]').waitFor({ timeout: 120_000 });
  } finally {
    await page.close();
  }
  const [low, mid, high] = await decisions(ids);
  expect(low?.result).toMatchObject({ action: 'allow', decidedBy: { kind: 'human', identity: 'alice' } });
  for (const d of [mid, high]) {
    expect(d?.result).toMatchObject({ action: 'block', decidedBy: { kind: 'human', identity: 'alice' } });
    expect(d?.result?.reason).toContain('over the shipping budget');
  }
}, 300_000);
