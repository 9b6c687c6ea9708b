import { filterRule, groupCard, groupCards, webUiAnchor } from '../../../src/api/inbox-groups';
import type { EscalationGroup } from '../../../src/api/escalation-groups';
import { apiWithoutTemporal } from './api-app';

const evil = '<script>alert("x")</script>';
const now = new Date('2026-01-01T00:00:00.000Z');

function group(overrides: Partial<EscalationGroup> = {}): EscalationGroup {
  return {
    key: { batch: 'b-1', tool: 'process_refund', rule: 'big-refund' },
    count: 500,
    oldestStartedAt: '2025-12-31T23:00:00.000Z',
    earliestExpiresAt: '2026-01-01T01:59:30.000Z',
    approverGroups: ['finance'],
    maxGrantMs: 2 * 3_600_000,
    sample: { id: 'b-1-0', runId: 'run-1', tool: 'process_refund', startedAt: '2025-12-31T23:00:00.000Z', rules: [] },
    ...overrides,
  };
}

describe('inbox group cards', () => {
  test('carry the bulk filter and grant scope as data, the count, the time left and the batch progress', () => {
    const batches = new Map([
      [
        'b-1',
        {
          batchId: 'b-1',
          state: 'running' as const,
          done: 20,
          total: 520,
          running: 0,
          pendingEscalations: 500,
          pendingIds: [],
          counts: {} as never,
          startedAt: '',
          runs: 1,
        },
      ],
    ]);
    const html = groupCard(group(), 0, { batches, now });
    expect(html).toContain('data-tool="process_refund" data-batch="b-1" data-rule="big-refund" data-count="500"');
    expect(html).toContain('data-sample="b-1-0" data-max-grant-ms="7200000"');
    expect(html).toContain('<span class="count">500 pending</span>');
    expect(html).toContain('>1h59m30s left</time>');
    expect(html).toContain('20 of 520 items done, 500 waiting for approval (running)');
    expect(html).toContain('Select all 500');
    expect(html).toContain('<input class="grant-for" value="2h"');
    expect(html).toContain("at most 2h (the rule's maxGrant)");
    // Without a Web UI address the ID is plain text.
    expect(html).toContain('<code>b-1-0</code>');
  });

  test('escape every value, the Web UI link included', () => {
    const html = groupCard(
      group({
        key: { batch: evil, tool: evil, rule: evil },
        approverGroups: [evil],
        earliestExpiresAt: evil,
        oldestStartedAt: evil,
        sample: { id: `id-"${evil}`, runId: evil, tool: evil, startedAt: evil, rules: [] },
      }),
      0,
      { batches: new Map(), now, webUi: { baseUrl: 'http://ui.example', namespace: evil } },
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('"<');
    expect(html).toContain('href="http://ui.example/namespaces/%3Cscript%3E');
  });

  test('a group without a rule offers no grant; a group of several rules filters on the first', () => {
    expect(groupCard(group({ key: { tool: 't', rule: '(none)' } }), 0, { batches: new Map(), now })).not.toContain(
      'data-grant',
    );
    expect(filterRule('a+b')).toBe('a');
    expect(filterRule('(none)')).toBeUndefined();
    expect(filterRule(undefined)).toBeUndefined();
  });

  test('link each escalation to its run in the Web UI', () => {
    expect(webUiAnchor({ baseUrl: 'http://localhost:8233/', namespace: 'default' }, 'b/1', 'r1')).toBe(
      '<a class="web-ui" href="http://localhost:8233/namespaces/default/workflows/b%2F1/r1/history" target="_blank" ' +
        'rel="noopener noreferrer">b/1</a>',
    );
  });

  test('the fragment says when nothing waits, and when more groups follow', () => {
    expect(
      groupCards({ by: ['batch'], groups: [], total: 0, truncated: false }, { batches: new Map(), now }),
    ).toContain('No group is waiting');
    const more = groupCards(
      { by: ['batch', 'tool', 'rule'], groups: [group()], total: 500, truncated: false, nextPageToken: '50' },
      { batches: new Map(), now },
    );
    expect(more).toContain('500 pending escalations in the groups below');
    expect(more).toContain('More groups wait');
  });

  test('the page loads the groups script, which parses', async () => {
    const api = await apiWithoutTemporal();
    try {
      const page = await api.app.inject({ url: '/' });
      expect(page.body).toContain('<script src="/inbox-groups.js" defer></script>');
      expect(page.body).toContain('<dialog id="confirm"');
      const js = await api.app.inject({ url: '/inbox-groups.js' });
      expect(js.headers['content-security-policy']).toContain("script-src 'self'");
      expect(js.body).toContain('/v1/escalations/decisions');
      expect(() => new Function(js.body)).not.toThrow();
      const groups = await api.app.inject({ url: '/inbox/groups' });
      expect(groups.statusCode).toBe(401);
    } finally {
      await api.close();
    }
  });
});
