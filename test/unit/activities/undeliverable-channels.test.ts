import { createActivities } from '../../../src/activities/create-activities';
import { LocalOutbox } from '../../../src/activities/local-outbox';
import { createNotifier } from '../../../src/activities/notify';
import { escalationChannels, undeliverableChannels } from '../../../src/activities/undeliverable-channels';
import type { Decider, PolicyDecision } from '../../../src/policy/types';

const escalation: PolicyDecision = {
  action: 'escalate',
  rulesTriggered: [{ id: 'big-refund', action: 'escalate', mode: 'enforce' }],
  policyVersion: 'v1',
  escalation: {
    channels: ['finance-hook', 'ops'],
    ladder: [
      { afterMs: 1000, kind: 'remind' },
      { afterMs: 2000, kind: 'route', approverGroups: ['leads'], channels: ['leads-slack', 'ops'] },
    ],
    onTimeout: { action: 'escalate', approverGroups: ['cfo'], channels: ['cfo-pager'], timeoutMs: 5000 },
  },
};
const hook = { name: 'finance-hook', url: 'http://127.0.0.1:1/hook', format: 'standard' as const };

test("an escalation's channels: the rule's, its route steps' and its onTimeout escalation's, once each", () => {
  expect(escalationChannels(escalation.escalation)).toEqual(['finance-hook', 'ops', 'leads-slack', 'cfo-pager']);
  expect(escalationChannels(undefined)).toEqual([]);
});

test('the channels without a webhook are undeliverable unless the worker has a local outbox', () => {
  const notifier = createNotifier({ targets: [hook] });
  expect(undeliverableChannels(escalation, { notifier })).toEqual(['ops', 'leads-slack', 'cfo-pager']);
  expect(undeliverableChannels(escalation, undefined)).toEqual(['finance-hook', 'ops', 'leads-slack', 'cfo-pager']);
  expect(undeliverableChannels(escalation, { notifier, outbox: new LocalOutbox() })).toBeUndefined();
  const allKnown = createNotifier({
    targets: ['finance-hook', 'ops', 'leads-slack', 'cfo-pager'].map((name) => ({ ...hook, name })),
  });
  expect(undeliverableChannels(escalation, { notifier: allKnown })).toBeUndefined();
  expect(undeliverableChannels({ ...escalation, action: 'allow' }, undefined)).toBeUndefined();
});

test('the decision activity names the undeliverable channels of an escalation, and of nothing else', async () => {
  const decider: Decider = {
    decide: (call) =>
      call.tool === 'process_refund' ? escalation : { action: 'allow', rulesTriggered: [], policyVersion: 'v1' },
    requiresAsync: () => false,
  };
  const activities = createActivities({ decider, notifications: { notifier: createNotifier({ targets: [hook] }) } });
  expect(await activities.decideLocal({ tool: 'process_refund', input: {} })).toMatchObject({
    action: 'escalate',
    undeliverable: ['ops', 'leads-slack', 'cfo-pager'],
  });
  expect(await activities.decideLocal({ tool: 'get_order', input: {} })).not.toHaveProperty('undeliverable');
});
