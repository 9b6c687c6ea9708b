import { CallState } from '../../../src/workflows/call-state';
import type { PolicyDecision } from '../../../src/policy/types';

const now = () => new Date('2026-01-01T00:00:00.000Z');
const escalation: PolicyDecision = {
  action: 'escalate',
  reason: 'big refund',
  rulesTriggered: [{ id: 'big-refund', action: 'escalate', mode: 'enforce' }],
  policyVersion: 'v1',
  escalation: { approverGroups: ['finance'], channels: ['slack'], timeoutMs: 3_600_000 },
};

function pending(patched: (id: string) => boolean = () => true): CallState {
  const state = new CallState('guard-1', 'process_refund', { patched, now });
  state.moveTo('pending-approval', 'escalate');
  state.decision = escalation;
  state.openWindow(undefined, 300_000);
  return state;
}

test('a status already shown is not upserted again; a new action is', () => {
  const state = new CallState('guard-1', 't', { patched: () => true, now });
  expect(state.moveTo('pending-approval', 'escalate')).toHaveLength(2);
  expect(state.moveTo('pending-approval', 'escalate')).toBeUndefined();
  expect(state.moveTo('pending-approval')).toBeUndefined();
  expect(state.moveTo('done', 'block')?.map((p) => p.value)).toEqual(['done', 'block']);
});

test('the window comes from the call, else the rule, else the default', () => {
  const state = pending();
  expect(state.expiresAt).toBe('2026-01-01T01:00:00.000Z');
  expect(state.openWindow(60_000, 300_000)).toBe(60_000);
  state.decision = { ...escalation, escalation: {} };
  expect(state.openWindow(undefined, 300_000)).toBe(300_000);
});

test.each([
  ['deciding', 'GUARD_NOT_PENDING', 'call guard-1 is still being decided by the policy'],
  ['timed-out', 'GUARD_TIMED_OUT', 'escalation guard-1 timed out at 2026-01-01T01:00:00.000Z'],
] as const)('a call that is %s refuses with %s', (status, code, message) => {
  const state = pending();
  state.status = status;
  expect(state.approvalRefusal({ by: 'alice', groups: ['finance'], decision: 'deny' }, true)).toEqual({
    code,
    message,
  });
});

test('an approver outside the groups is refused; one inside is accepted and decides once', () => {
  const state = pending();
  expect(state.approvalRefusal({ by: 'mallory', groups: ['ops'], decision: 'approve' }, true)).toMatchObject({
    code: 'GUARD_APPROVER_NOT_ALLOWED',
    message: expect.stringContaining('mallory may not decide guard-1: one of the approver groups finance'),
  });
  const input = { by: 'alice', groups: ['finance'], decision: 'approve' as const };
  expect(state.approvalRefusal(input, true)).toBeUndefined();
  state.approvalInFlight = true;
  expect(state.approvalRefusal(input, true)?.message).toBe('escalation guard-1 is being decided by another approver');
  state.approvalInFlight = false;
  const human = state.applyHuman(input, undefined);
  expect(human).toMatchObject({ action: 'allow', reason: 'approved by alice', decidedBy: { kind: 'human' } });
  expect(state.approvalRefusal({ ...input, by: 'bob' }, true)).toEqual({
    code: 'GUARD_ALREADY_DECIDED',
    message: 'escalation guard-1 was already approved by alice',
  });
  expect(state.closeWindow(3_600_000)).toMatchObject({ status: 'approved', result: { action: 'allow' } });
  expect(state.resolution()).toBe('approve');
});

test('a signal without groups asks patched() only then, and is applied on the released path', () => {
  const asked: string[] = [];
  const released = pending((id) => (asked.push(id), false));
  expect(released.approvalRefusal({ by: 'alice' }, false)).toBeUndefined();
  expect(asked).toEqual(['hostile-input']);
  const hardened = pending(() => true);
  expect(hardened.approvalRefusal({ by: 'alice' }, false)?.code).toBe('GUARD_APPROVER_NOT_ALLOWED');
  const none = pending((id) => (asked.push(id), true));
  none.approvalRefusal({ by: 'alice', groups: ['finance'] }, false);
  expect(asked).toEqual(['hostile-input']);
});

test('a window that closes without a decision blocks as timed out', () => {
  const state = pending();
  const { result, status } = state.closeWindow(3_600_000);
  expect(status).toBe('timed-out');
  expect(result).toMatchObject({
    action: 'block',
    reason: 'escalation timed out after 1h without a decision',
    decidedBy: { kind: 'timeout', at: '2026-01-01T00:00:00.000Z' },
    policyVersion: 'v1',
  });
  expect(state.resolution()).toBe('timeout');
  expect(state.view()).toMatchObject({ status: 'pending-approval', approverGroups: ['finance'], result });
});

test('a policy decision that did not escalate refuses approvals as not escalated', () => {
  const state = new CallState('guard-1', 't', { patched: () => true, now });
  state.decision = { ...escalation, action: 'allow' };
  state.moveTo('done', 'allow');
  state.result = state.decisionResult(state.decision);
  expect(state.approvalRefusal({ by: 'a', decision: 'approve' }, true)?.message).toBe(
    'call guard-1 was not escalated: the policy decided allow',
  );
  expect(CallState.toolOf({ tool: 3 })).toBe('(invalid)');
});
