import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveBacktest, type SavedBacktest } from '../../../src/backtest/saved-backtest';
import { policiesOverviewHtml } from '../../../src/api/inbox-policies';
import {
  COUNT_CONCURRENCY,
  DAY_MS,
  MAX_COUNTED_RULES,
  OverviewCache,
  policiesOverview,
  ruleHitsQuery,
  WEEK_MS,
  type PoliciesOverview,
} from '../../../src/api/policies-overview';
import { PolicyEngine } from '../../../src/policy';
import { shadowCellQueries } from '../../../src/shadow/shadow-summary';
import { apiWithoutTemporal } from './api-app';

const EXAMPLE = join(__dirname, '../../../policies/example.yaml');
const now = new Date('2026-12-01T12:00:00.000Z');
const evil = `<script>alert("x")</script>&'`;

/** A visibility counter answering from a table (0 for any other query), recording what it was asked and how many at once. */
function counter(answers: Record<string, number> = {}) {
  const asked: string[] = [];
  let running = 0;
  let peak = 0;
  const count = async (query: string) => {
    asked.push(query);
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 1));
    running--;
    return answers[query] ?? 0;
  };
  return { count, asked, peak: () => peak };
}

function tempDir(name = 'dg-policies-'): string {
  return mkdtempSync(join(tmpdir(), name));
}

function saved(overrides: Partial<SavedBacktest> = {}): SavedBacktest {
  return {
    savedAt: '2026-12-01T11:00:00.000Z',
    candidateFiles: ['stricter.yaml'],
    failedThresholds: [],
    summary: {
      candidateVersion: 'abc123',
      query: "WorkflowType = 'guardedCall'",
      decided: 10,
      unchanged: 7,
      changed: 3,
      matrix: { allow: { allow: 5, escalate: 2 }, escalate: { block: 1, escalate: 2 } },
      rulesByTransition: {},
      examples: {},
      sharp: {
        'approved-would-block': { count: 1, examples: [] },
        'allowed-would-escalate': { count: 2, examples: [] },
      },
      outcomes: {},
      policyVersions: {},
      skipped: { invalid: 0, unreadable: 0, withoutNetworkRules: 0, networkRules: [] },
    },
    ...overrides,
  };
}

describe('policiesOverview', () => {
  test("lists the files in force with the worker's version, and each rule's day and week hits from its counts", async () => {
    const engine = PolicyEngine.fromFiles([EXAMPLE]);
    const rules = engine.policies.flatMap((p) => p.rules);
    const answers: Record<string, number> = {
      [ruleHitsQuery('q', 'big-refund', DAY_MS, now)]: 4,
      [ruleHitsQuery('q', 'big-refund', WEEK_MS, now)]: 9,
      [ruleHitsQuery('q', 'huge-refund', WEEK_MS, now)]: 2,
    };
    const c = counter(answers);
    const o = await policiesOverview({ count: c.count, taskQueue: 'q', policyFiles: [EXAMPLE], now });
    expect(o.version).toBe(engine.version);
    expect(o.files).toEqual([
      { path: EXAMPLE, name: 'example', hash: expect.stringMatching(/^[0-9a-f]{12}$/), rules: rules.length },
    ]);
    expect(o.rules.map((r) => r.id)).toEqual(rules.map((r) => r.id));
    expect(o.rules.find((r) => r.id === 'big-refund')).toEqual({
      id: 'big-refund',
      policy: 'example',
      type: 'static',
      action: 'escalate',
      mode: 'enforce',
      tools: ['process_refund'],
      hits: { day: 4, week: 9 },
    });
    expect(o.rules.find((r) => r.id === 'huge-refund')?.hits).toEqual({ day: 0, week: 2 });
    expect(o.rules.find((r) => r.id === 'large-export')).toMatchObject({ mode: 'audit', hits: { day: 0, week: 0 } });
    expect(o.uncountedRules).toBe(0);
    // Two counts per rule and the twenty of the shadow matrix, never more than COUNT_CONCURRENCY at once.
    expect(c.asked).toHaveLength(2 * rules.length + 20);
    expect(c.peak()).toBeLessThanOrEqual(COUNT_CONCURRENCY);
    expect(c.asked).toContain(
      "WorkflowType = 'guardedCall' AND StartTime > '2026-11-30T12:00:00.000Z' AND (TaskQueue = 'q' AND GuardRules = 'big-refund')",
    );
    expect(o.lastBacktest).toBeUndefined();
  });

  test('the shadow matrix is the one policy backtest --shadow counts, over the last week of the task queue', async () => {
    const cells = shadowCellQueries({ sinceMs: WEEK_MS, query: "TaskQueue = 'q'" }, now);
    const allowBlock = cells.find((cell) => cell.live === 'allow' && cell.shadow === 'block')!.query;
    const allowAllow = cells.find((cell) => cell.live === 'allow' && cell.shadow === 'allow')!.query;
    const c = counter({ [allowBlock]: 3, [allowAllow]: 5 });
    const o = await policiesOverview({ count: c.count, taskQueue: 'q', policyFiles: [EXAMPLE], now });
    expect(o.shadow).toMatchObject({ total: 8, agreed: 5, disagreed: 3, matrix: { allow: { allow: 5, block: 3 } } });
  });

  test(`counts at most ${MAX_COUNTED_RULES} rules; the rest are listed without hits`, async () => {
    const dir = tempDir();
    const file = join(dir, 'many.yaml');
    const rules = Array.from(
      { length: MAX_COUNTED_RULES + 2 },
      (_, i) => `  - id: r${i}\n    tools: t${i}\n    action: block\n`,
    );
    writeFileSync(file, `policy: many\ndefaults:\n  action: allow\nrules:\n${rules.join('')}`);
    const c = counter();
    const o = await policiesOverview({ count: c.count, taskQueue: 'q', policyFiles: [file], now });
    expect(o.rules).toHaveLength(MAX_COUNTED_RULES + 2);
    expect(o.uncountedRules).toBe(2);
    expect(o.rules[MAX_COUNTED_RULES]).not.toHaveProperty('hits');
    expect(c.asked).toHaveLength(2 * MAX_COUNTED_RULES + 20);
    expect(policiesOverviewHtml(o)).toContain('2 rules beyond the first 100 are not counted');
  });

  test('a policy file that does not load is named with its problem; none configured says so', async () => {
    const broken = join(__dirname, '../../integration/fixtures/backtest/broken.yaml');
    const o = await policiesOverview({ count: counter().count, taskQueue: 'q', policyFiles: [broken], now });
    expect(o.policyError).toContain('broken.yaml');
    expect(o.rules).toEqual([]);
    expect(o.version).toBeUndefined();
    const none = await policiesOverview({ count: counter().count, taskQueue: 'q', policyFiles: [], now });
    expect(none.policyError).toMatch(/no policy file is configured.*DURABLE_GUARD_POLICY/);
  });

  test('the last backtest is read from the saved file; a missing one is none, a corrupt one is named', async () => {
    const dir = tempDir();
    const file = join(dir, 'last-backtest.json');
    const c = counter();
    const sources = { count: c.count, taskQueue: 'q', policyFiles: [EXAMPLE], lastBacktestFile: file, now };
    expect(await policiesOverview(sources)).not.toHaveProperty('lastBacktest');
    await saveBacktest(file, saved());
    expect((await policiesOverview(sources)).lastBacktest).toEqual(saved());
    writeFileSync(file, '{"savedAt": 1}');
    expect((await policiesOverview(sources)).lastBacktestError).toMatch(/last-backtest\.json is not a saved backtest/);
    writeFileSync(file, 'not json');
    expect((await policiesOverview(sources)).lastBacktestError).toMatch(/is not valid JSON/);
  });
});

describe('the overview fragment', () => {
  function overview(overrides: Partial<PoliciesOverview> = {}): PoliciesOverview {
    return {
      countedAt: now.toISOString(),
      version: 'v123',
      files: [{ path: `/etc/${evil}.yaml`, name: evil, hash: 'abcdef012345', rules: 1 }],
      rules: [
        {
          id: 'big-refund',
          policy: evil,
          type: 'static',
          action: 'escalate',
          mode: 'enforce',
          tools: [evil],
          hits: { day: 4, week: 9 },
        },
      ],
      uncountedRules: 0,
      shadow: { query: evil, total: 8, agreed: 5, disagreed: 3, matrix: { allow: { allow: 5, block: 3 } } },
      lastBacktest: saved({
        candidateFiles: [evil],
        failedThresholds: [`block>0 (is 1) ${evil}`],
        summary: { ...saved().summary, query: evil },
      }),
      ...overrides,
    };
  }

  test('escapes every value: file paths, policy names, tools, the query and candidate files are untrusted text', () => {
    const html = policiesOverviewHtml(overview());
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    expect(html).toContain('<code>/etc/&lt;script&gt;');
  });

  test('shows the version, the hits, the shadow disagreement and the last backtest', () => {
    const html = policiesOverviewHtml(overview());
    expect(html).toContain('<code class="policy-version">v123</code>');
    expect(html).toContain('<span class="hits-day">4</span>');
    expect(html).toContain('<span class="hits-week">9</span>');
    expect(html).toContain('8 calls with a shadow decision: 5 agreed, <strong>3 disagreed</strong>');
    expect(html).toContain('<span data-cell="allow-&gt;block">3</span>');
    expect(html).toContain('<dd class="decided">10 calls: 3 changed, 7 unchanged</dd>');
    expect(html).toContain('<dd class="sharp-approved-would-block">1</dd>');
    expect(html).toContain('<span data-cell="escalate-&gt;block">1</span>');
    // Every table is in a region that takes keyboard focus and is named by its caption.
    expect(html.match(/<div class="table-scroll" role="region" tabindex="0" aria-labelledby="/g)).toHaveLength(4);
  });

  test('says what is missing: no shadow decision, no saved backtest, a policy error', () => {
    const html = policiesOverviewHtml(
      overview({
        shadow: { query: '', total: 0, agreed: 0, disagreed: 0, matrix: {} },
        files: [],
        rules: [],
        policyError: `p.yaml:3: ${evil}`,
        lastBacktest: undefined,
      }),
    );
    expect(html).toContain('No shadow decision recorded in the last 7 days');
    expect(html).toContain(
      'No backtest saved yet: run <code>durable-guard policy backtest CANDIDATE.yaml --save</code>',
    );
    expect(html).toContain('<p class="error" role="alert">p.yaml:3: &lt;script&gt;');
    expect(policiesOverviewHtml(overview({ lastBacktest: undefined, lastBacktestError: evil }))).toContain(
      '<p class="error">&lt;script&gt;',
    );
  });
});

describe('OverviewCache', () => {
  test('reuses an overview for its TTL and shares one being assembled; a failed one is not kept', async () => {
    let clock = 0;
    let assembled = 0;
    let fail = false;
    const cache = new OverviewCache(
      async () => {
        assembled++;
        if (fail) throw new Error('count failed');
        return { countedAt: String(assembled) } as PoliciesOverview;
      },
      1000,
      () => clock,
    );
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect(a).toBe(b);
    clock = 999;
    expect(await cache.get()).toBe(a);
    expect(assembled).toBe(1);
    clock = 1000;
    fail = true;
    await expect(cache.get()).rejects.toThrow('count failed');
    fail = false;
    expect((await cache.get()).countedAt).toBe('3');
  });
});

describe('Policies routes', () => {
  test('the page is served with the inbox headers and its script; the data needs an approver token', async () => {
    const api = await apiWithoutTemporal();
    try {
      const page = await api.app.inject({ url: '/inbox/policies' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.body).toContain('<script src="/inbox-policies.js" defer></script>');
      expect(page.body).toContain('<a href="/inbox">Pending approvals</a>');
      const script = await api.app.inject({ url: '/inbox-policies.js' });
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(script.body).toContain("fetch('/inbox/policies/overview'");
      for (const url of ['/v1/policies', '/inbox/policies/overview']) {
        const res = await api.app.inject({ url });
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('GUARD_UNAUTHORIZED');
      }
      const inbox = await api.app.inject({ url: '/inbox' });
      expect(inbox.body).toContain('<a href="/inbox/policies">Policies</a>');
    } finally {
      await api.close();
    }
  });
});
