import { CallState } from '../../../src/workflows/call-state';
import type { PolicyDecision } from '../../../src/policy/types';
import { Quorum, requestersOf, selfApprovalRefusal, uncoveredGroups } from '../../../src/workflows/quorum';
import type { DecideInput } from '../../../src/workflows/definitions';

const at = '2026-01-01T00:00:00.000Z';
const approve = (by: string, groups: string[] = []): DecideInput => ({ decision: 'approve', by, groups });
const deny = (by: string, groups: string[] = []): DecideInput => ({ decision: 'deny', by, groups, reason: 'no' });
const vote = (by: string, groups: string[]) => ({ by, groups, at });

describe('Quorum', () => {
  test('two distinct approvers: the first is counted and pending, the second approves', () => {
    const q = new Quorum('guard-1', { count: 2 });
    expect(q.refusal(approve('alice'))).toBeUndefined();
    expect(q.record(approve('alice'), at)).toBe('pending');
    expect(q.progress()).toMatchObject({ required: 2, remaining: 1, approvals: [{ by: 'alice' }], denials: [] });
    expect(q.summary()).toBe('1 of 2 approvals (alice); still needed: 1');
    expect(q.record(approve('bob'), at)).toBe('approved');
    expect(q.approvers()).toBe('alice, bob');
  });

  test('the same approver twice is refused, whatever the case of the name', () => {
    const q = new Quorum('guard-1', { count: 2 });
    q.record(approve('alice'), at);
    expect(q.refusal(approve('Alice '))).toEqual({
      code: 'GUARD_ALREADY_VOTED',
      message:
        'Alice  already approved guard-1 at 2026-01-01T00:00:00.000Z: a quorum counts each approver once ' +
        '(a deny withdraws the approval)',
    });
    expect(q.outcome()).toBe('pending');
  });

  test('an approver who approved may deny: the approval is withdrawn and the denial denies', () => {
    const q = new Quorum('guard-1', { count: 2 });
    q.record(approve('alice'), at);
    expect(q.refusal(deny('alice'))).toBeUndefined();
    expect(q.record(deny('alice'), at)).toBe('denied');
    expect(q.progress()).toMatchObject({ approvals: [], denials: [{ by: 'alice', reason: 'no' }] });
    expect(q.refusal(approve('alice'))?.code).toBe('GUARD_ALREADY_VOTED');
  });

  test('any single denial denies by default; denyCount asks for more distinct denials', () => {
    expect(new Quorum('g', { count: 2 }).record(deny('bob'), at)).toBe('denied');
    const q = new Quorum('g', { count: 3, denyCount: 2 });
    expect(q.record(deny('bob'), at)).toBe('pending');
    expect(q.refusal(deny('bob'))?.code).toBe('GUARD_ALREADY_VOTED');
    expect(q.record(approve('alice'), at)).toBe('pending');
    expect(q.summary()).toBe('1 of 3 approvals (alice); still needed: 2; 1 of 2 denials');
    expect(q.record(deny('carol'), at)).toBe('denied');
  });

  test('an approval that edits the input is refused', () => {
    const q = new Quorum('guard-1', { count: 2 });
    expect(q.refusal({ ...approve('alice'), modifiedInput: { amount: 1 } })).toMatchObject({
      code: 'GUARD_QUORUM_EDIT_REFUSED',
      message: expect.stringContaining('the rule needs 2 approvers'),
    });
    expect(q.refusal({ ...deny('alice'), modifiedInput: { amount: 1 } })).toBeUndefined();
  });

  test('allOf needs one approver from each group: two of finance leave legal missing', () => {
    const q = new Quorum('g', { count: 2, allOf: ['finance', 'legal'] });
    expect(q.record(approve('alice', ['finance']), at)).toBe('pending');
    expect(q.record(approve('bob', ['finance']), at)).toBe('pending');
    expect(q.progress()).toMatchObject({ remaining: 1, missingGroups: ['legal'] });
    expect(q.summary()).toBe('2 of 2 approvals (alice, bob); still needed: 1, from legal');
    expect(q.record(approve('carol', ['legal']), at)).toBe('approved');
  });

  test('one person in both groups covers one of them only', () => {
    const q = new Quorum('g', { count: 2, allOf: ['finance', 'legal'] });
    q.record(approve('dana', ['finance', 'legal']), at);
    expect(q.progress()).toMatchObject({ remaining: 1, missingGroups: ['legal'] });
    expect(q.record(approve('erin', ['finance']), at)).toBe('approved');
  });
});

test.each([
  [['finance'], [vote('a', ['finance', 'legal']), vote('b', ['legal'])], []],
  [['finance', 'legal'], [vote('a', ['finance', 'legal']), vote('b', ['finance', 'legal'])], []],
  [['finance', 'legal', 'ops'], [vote('a', ['finance', 'legal']), vote('b', ['legal'])], ['ops']],
  [['finance', 'legal'], [vote('a', ['legal']), vote('b', ['legal'])], ['finance']],
  [['finance', 'legal'], [vote('a', ['legal', 'finance']), vote('b', ['legal'])], []],
])('uncoveredGroups(%j) by distinct approvers', (allOf, votes, missing) => {
  expect(uncoveredGroups(allOf, votes)).toEqual(missing);
});

test('the requester is context.caller and context.agent; only its approvals are refused', () => {
  expect(requestersOf({ caller: 'alice', agent: 'support-bot', batch: 'b' })).toEqual(['alice', 'support-bot']);
  expect(requestersOf({ caller: '  ' })).toEqual([]);
  expect(requestersOf(undefined)).toEqual([]);
  expect(selfApprovalRefusal('guard-1', approve('ALICE'), ['alice'])).toEqual({
    code: 'GUARD_SELF_APPROVAL',
    message:
      "ALICE may not approve guard-1: it is the call's requester (context.caller or context.agent); " +
      'another approver must decide',
  });
  expect(selfApprovalRefusal('guard-1', deny('alice'), ['alice'])).toBeUndefined();
  expect(selfApprovalRefusal('guard-1', approve('bob'), ['alice'])).toBeUndefined();
});

describe('CallState with a quorum', () => {
  const now = () => new Date(at);
  const decision: PolicyDecision = {
    action: 'escalate',
    reason: 'big refund',
    rulesTriggered: [{ id: 'big-refund', action: 'escalate', mode: 'enforce' }],
    policyVersion: 'v1',
    escalation: { approverGroups: ['finance', 'legal'], approvals: { count: 2, allOf: ['finance', 'legal'] } },
  };

  function pending(patched: (id: string) => boolean = () => true, d: PolicyDecision = decision): CallState {
    const state = new CallState('guard-1', 'process_refund', { patched, now });
    state.requesters = ['agent-7'];
    state.moveTo('pending-approval', 'escalate');
    state.decision = d;
    state.openWindow(undefined, 300_000);
    return state;
  }

  test('partial approvals answer escalate with the votes; the last one decides', () => {
    const state = pending();
    const first = state.applyHuman(approve('alice', ['finance']), undefined);
    expect(first).toMatchObject({
      action: 'escalate',
      reason: 'approval by alice counted: 1 of 2 approvals (alice); still needed: 1, from legal',
      approvals: { remaining: 1, missingGroups: ['legal'] },
    });
    expect(first.decidedBy).toBeUndefined();
    expect(state.humanResult).toBeUndefined();
    expect(state.view().approvals).toMatchObject({ approvals: [{ by: 'alice', groups: ['finance'], at }] });
    expect(state.waitingDetails()).toContain('Quorum: 1 of 2 approvals (alice); still needed: 1, from legal');
    expect(state.approvalRefusal(approve('bob', ['legal']), true)).toBeUndefined();
    const final = state.applyHuman(approve('bob', ['legal']), undefined);
    expect(final).toMatchObject({
      action: 'allow',
      reason: 'approved by alice, bob',
      decidedBy: { kind: 'human', identity: 'bob', at },
      approvals: { remaining: 0, approvals: [{ by: 'alice' }, { by: 'bob' }] },
    });
    expect(state.closeWindow(300_000)).toMatchObject({ status: 'approved', result: final });
    expect(state.approvalRefusal(approve('carol', ['legal']), true)?.code).toBe('GUARD_ALREADY_DECIDED');
  });

  test('the requester may not approve, with or without a quorum; a signal asks patched() only then', () => {
    const state = pending();
    expect(state.voteRefusal(approve('Agent-7', ['finance']), true)?.code).toBe('GUARD_SELF_APPROVAL');
    const asked: string[] = [];
    const released = pending((id) => (asked.push(id), false), { ...decision, escalation: {} });
    expect(released.quorum).toBeUndefined();
    expect(released.voteRefusal(approve('bob'), false)).toBeUndefined();
    expect(asked).toEqual([]);
    expect(released.voteRefusal(approve('agent-7'), false)).toBeUndefined();
    expect(asked).toEqual(['quorum']);
    expect(released.voteRefusal(approve('agent-7'), true)?.code).toBe('GUARD_SELF_APPROVAL');
  });

  test('a quorum starts only behind its patch; a decision without one asks nothing', () => {
    const asked: string[] = [];
    expect(pending((id) => (asked.push(id), false)).quorum).toBeUndefined();
    expect(asked).toEqual(['quorum']);
    asked.length = 0;
    pending((id) => (asked.push(id), true), { ...decision, escalation: { approvals: { count: 1 } } });
    expect(asked).toEqual([]);
  });

  test('a timeout keeps the partial votes in the result', () => {
    const state = pending();
    state.applyHuman(approve('alice', ['finance']), undefined);
    const { result, status } = state.closeWindow(300_000);
    expect(status).toBe('timed-out');
    expect(result).toMatchObject({ action: 'block', approvals: { approvals: [{ by: 'alice' }], remaining: 1 } });
  });

  test('one denial denies with its reason', () => {
    const state = pending();
    state.applyHuman(approve('alice', ['finance']), undefined);
    expect(state.applyHuman(deny('bob', ['legal']), undefined)).toMatchObject({
      action: 'block',
      reason: 'no',
      decidedBy: { identity: 'bob' },
      approvals: { denials: [{ by: 'bob' }] },
    });
  });
});
