import { callInScope, contextInScope, isLive } from '../../../src/approvals/grant-match';
import { PolicyEngine, PolicyError, parsePolicy } from '../../../src/policy';
import { approvalProblem } from '../../../src/workflows/call-validation';
import { CallState } from '../../../src/workflows/call-state';
import { grantReason, grantScopeText, type GrantScope, type GrantView } from '../../../src/workflows/grant-definitions';
import { GrantRecord } from '../../../src/workflows/grant-state';

const scope: GrantScope = { tool: 'process_refund', rule: 'big-refund', batch: 'b1', where: 'input.amount <= 500' };
const call = (amount: number, context: Record<string, string> = { batch: 'b1' }) => ({
  tool: 'process_refund',
  input: { amount },
  context,
});

describe('grant scope', () => {
  test.each([
    ['in scope', call(500), true],
    ['over the where', call(501), false],
    ['another batch', call(10, { batch: 'b2' }), false],
    ['no context', { tool: 'process_refund', input: { amount: 10 } }, false],
    ['another tool', { ...call(10), tool: 'open_door' }, false],
  ])('%s', (_name, given, expected) => {
    expect(callInScope(scope, given)).toBe(expected);
  });

  test('a where that fails at run time or is not true is no match', () => {
    expect(callInScope({ ...scope, where: 'input.missing.deeper > 1' }, call(1))).toBe(false);
    expect(callInScope({ ...scope, where: 'input.amount' }, call(1))).toBe(false);
  });

  test('agent and caller narrow by context', () => {
    const narrow = { tool: 't', rule: 'r', agent: 'bot', caller: 'svc' };
    expect(contextInScope(narrow, { agent: 'bot', caller: 'svc' })).toBe(true);
    expect(contextInScope(narrow, { agent: 'bot' })).toBe(false);
  });

  test('scope text is canonical and fits a SQL Keyword', () => {
    expect(grantScopeText(scope)).toBe('batch=b1;where=input.amount <= 500');
    expect(grantScopeText({ tool: 't', rule: 'r' })).toBe('-');
    expect(grantScopeText({ tool: 't', rule: 'r', where: 'x'.repeat(2000) }).length).toBe(250);
  });
});

describe('grant record', () => {
  const input = {
    scope,
    approver: { id: 'alice', groups: ['finance'] },
    ruleGroups: ['finance'],
    reason: 'reviewed',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T08:00:00.000Z',
    taskQueue: 'q',
  };

  test('live, then revoked with who and when; sweeps add up', () => {
    const grant = new GrantRecord('grant-1', input);
    grant.addSwept({ decided: 3, 'already-decided': 1, 'timed-out': 0, 'not-allowed': 0, 'not-matched': 2, failed: 0 });
    grant.addSwept({ decided: 1, 'already-decided': 0, 'timed-out': 0, 'not-allowed': 0, 'not-matched': 0, failed: 0 });
    expect(grant.view()).toMatchObject({ state: 'live', swept: { decided: 4, 'not-matched': 2 } });
    grant.revoke({ by: 'bob', reason: 'done' }, '2026-01-01T01:00:00.000Z');
    expect(grant.view()).toMatchObject({ state: 'revoked', revokedBy: 'bob', revokeReason: 'done' });
    expect(grant.details()).toContain('Revoked by bob');
  });

  test('a revoke names who revokes, within the approval limits', () => {
    const grant = new GrantRecord('grant-1', input);
    expect(grant.revokeProblem({})).toMatch(/'by'/);
    expect(grant.revokeProblem({ by: 'x'.repeat(257) })).toMatch(/'by'/);
    expect(grant.revokeProblem({ by: 'bob', reason: 7 })).toMatch(/'reason'/);
    expect(grant.revokeProblem({ by: 'bob' })).toBeUndefined();
  });

  test('isLive: live and before its expiry only', () => {
    const view = new GrantRecord('grant-1', input).view();
    expect(isLive(view, Date.parse('2026-01-01T07:59:59Z'))).toBe(true);
    expect(isLive(view, Date.parse('2026-01-01T08:00:00Z'))).toBe(false);
    expect(isLive({ ...view, state: 'revoked' } as GrantView, 0)).toBe(false);
    expect(isLive(undefined)).toBe(false);
  });
});

describe('decisions made for a grant', () => {
  test("the decide update's grantId makes the result say grant; a bad grantId is refused", () => {
    const state = new CallState('guard-1', 'process_refund', { patched: () => true, now: () => new Date(0) });
    const result = state.applyHuman(
      { decision: 'approve', by: 'alice', grantId: 'grant-1', reason: grantReason('grant-1', 'ok') },
      undefined,
    );
    expect(result.decidedBy).toEqual({
      kind: 'grant',
      grantId: 'grant-1',
      identity: 'alice',
      at: new Date(0).toISOString(),
    });
    expect(result.reason).toBe('ok (grant grant-1)');
    expect(approvalProblem({ decision: 'approve', by: 'a', grantId: 5 }, true)).toMatch(/grantId/);
    expect(approvalProblem({ decision: 'approve', by: 'a', grantId: 'g'.repeat(129) }, true)).toMatch(/grantId/);
    expect(approvalProblem({ decision: 'approve', by: 'a', grantId: 'grant-1' }, true)).toBeUndefined();
  });
});

describe('maxGrant in the policy', () => {
  const rules = (a: string, b: string) =>
    parsePolicy(
      [
        'policy: t',
        'rules:',
        `  - { id: e1, tools: t, condition: "has(input.e)", action: escalate, escalation: { ${a} } }`,
        `  - { id: e2, tools: t, condition: "has(input.e)", action: escalate, escalation: { ${b} } }`,
      ].join('\n'),
      't.yaml',
    );

  test('parsed as a duration; several escalating rules take the shortest', () => {
    const engine = new PolicyEngine([rules('maxGrant: 8h', 'maxGrant: 2h')]);
    expect(engine.decideStatic({ tool: 't', input: { e: 1 } }, new Date()).escalation?.maxGrantMs).toBe(7_200_000);
    const none = new PolicyEngine([rules('timeout: 1h', 'timeout: 2h')]);
    expect(none.decideStatic({ tool: 't', input: { e: 1 } }, new Date()).escalation?.maxGrantMs).toBeUndefined();
  });

  test('a bad duration names the rule', () => {
    expect(() => rules('maxGrant: forever', 'timeout: 1h')).toThrow(PolicyError);
    expect(() => rules('maxGrant: forever', 'timeout: 1h')).toThrow(/invalid duration/);
  });
});
