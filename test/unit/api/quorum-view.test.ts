import { decisionsOf } from '../../../src/api/escalations';
import { escalationCard, quorumLine } from '../../../src/api/inbox-page';
import type { QuorumProgress } from '../../../src/workflows/definitions';

const votes: QuorumProgress = {
  required: 2,
  allOf: ['finance', 'legal'],
  denyCount: 2,
  approvals: [{ by: '<alice>', groups: ['finance'], at: '2026-01-01T00:00:01.000Z' }],
  denials: [{ by: 'bob', groups: ['legal'], at: '2026-01-01T00:00:00.000Z', reason: 'no' }],
  remaining: 1,
  missingGroups: ['legal'],
};

test('the inbox shows the votes of a quorum, escaped', () => {
  expect(quorumLine(votes)).toBe('1 of 2 (&lt;alice&gt;); still needed: 1, from legal; denied by bob (1 of 2)');
  const card = escalationCard({ id: 'g', tool: 't', startedAt: 'x', rules: [], approverGroups: [], approvals: votes });
  expect(card).toContain('<dt>Approvals</dt><dd class="approvals">1 of 2 (&lt;alice&gt;)');
  expect(escalationCard({ id: 'g', tool: 't', startedAt: 'x', rules: [], approverGroups: [] })).not.toContain(
    'Approvals',
  );
});

test('the decisions of a quorum are its votes in time order, then the timeout', () => {
  const at = '2026-01-01T01:00:00.000Z';
  const decisions = decisionsOf({
    action: 'block',
    rulesTriggered: [],
    reason: 'escalation timed out after 1h without a decision',
    decidedBy: { kind: 'timeout', at },
    approvals: votes,
  });
  expect(decisions).toEqual([
    { decision: 'deny', by: 'bob', at: '2026-01-01T00:00:00.000Z', reason: 'no' },
    { decision: 'approve', by: '<alice>', at: '2026-01-01T00:00:01.000Z' },
    { decision: 'timeout', at, reason: 'escalation timed out after 1h without a decision' },
  ]);
});
