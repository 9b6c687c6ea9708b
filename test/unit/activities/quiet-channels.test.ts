import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../src/activities/create-activities';
import { LocalOutbox } from '../../../src/activities/local-outbox';
import { createNotifier } from '../../../src/activities/notify';
import { loadPolicyFile, missingChannelsLine, policyChannels } from '../../../src/policy';
import type { Decider } from '../../../src/policy/types';

const allowAll: Decider = {
  decide: () => ({ action: 'allow', rulesTriggered: [], policyVersion: 'v1' }),
  requiresAsync: () => false,
};
const event = {
  type: 'escalation.created' as const,
  escalationId: 'guard-1',
  tool: 'process_refund',
  reason: 'big refund',
  rulesTriggered: [],
};

test('the example policy names one channel, reported in one line until it has a destination', () => {
  const channels = policyChannels([loadPolicyFile(`${__dirname}/../../../policies/example.yaml`)]);
  expect(channels).toEqual(['finance-webhook']);
  expect(missingChannelsLine(channels, [], 'set X')).toBe(
    "durable-guard: channel 'finance-webhook' has no destination: set X",
  );
  expect(missingChannelsLine(['a', 'b', 'c'], ['b'], 'set X')).toBe(
    "durable-guard: channels 'a', 'c' have no destination: set X",
  );
  expect(missingChannelsLine(channels, ['finance-webhook'], 'set X')).toBeUndefined();
});

test('a channel without a webhook is not delivered and does not fail, with or without webhooks at all', async () => {
  const bare = createActivities({ decider: allowAll });
  await expect(new MockActivityEnvironment().run(bare.notifyChannel, { channel: 'finance', event })).resolves.toEqual({
    delivered: false,
  });
  const outbox = new LocalOutbox(2);
  const other = createActivities({
    decider: allowAll,
    notifications: {
      notifier: createNotifier({ targets: [{ name: 'other', url: 'http://127.0.0.1:9/', format: 'standard' }] }),
      outbox,
    },
  });
  const env = new MockActivityEnvironment();
  await expect(env.run(other.notifyChannel, { channel: 'finance', event })).resolves.toEqual({ delivered: false });
  await env.run(other.notifyChannel, { channel: 'finance', event: { ...event, escalationId: 'guard-2' } });
  await env.run(other.notifyChannel, { channel: 'audit', event: { ...event, escalationId: 'guard-3' } });
  expect(outbox.list().map((e) => [e.channel, e.event.escalationId])).toEqual([
    ['audit', 'guard-3'],
    ['finance', 'guard-2'],
  ]);
});
