import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../src/activities/create-activities';
import { runsLocally, toolImplementation, toolRegistryProblem } from '../../../src/activities/tools';
import type { Decider } from '../../../src/policy/types';

const allowAll: Decider = {
  decide: () => ({ action: 'allow', rulesTriggered: [], policyVersion: 'v1' }),
  requiresAsync: () => false,
};
const quick = (input: Record<string, unknown>) => ({ echoed: input });

test('a registry entry is a function or { run, local? }; anything else is named in the problem', () => {
  expect(toolRegistryProblem({ a: quick, b: { run: quick }, c: { run: quick, local: true } })).toBeUndefined();
  expect(toolRegistryProblem([quick])).toBe('tools must be an object of tools by name');
  expect(toolRegistryProblem(null)).toBe('tools must be an object of tools by name');
  expect(toolRegistryProblem({ a: quick, refund: { local: true } })).toBe(
    "tool 'refund' must be a function or { run: function, local?: boolean }",
  );
  expect(toolRegistryProblem({ refund: 'process' })).toBe(
    "tool 'refund' must be a function or { run: function, local?: boolean }",
  );
  expect(toolRegistryProblem({ refund: { run: quick, local: 'yes' } })).toBe(
    'tool \'refund\': local must be true or false, got "yes"',
  );
  expect(() => createActivities({ decider: allowAll, tools: { refund: { local: true } } as never })).toThrow(
    "invalid tools: tool 'refund' must be a function or { run: function, local?: boolean }",
  );
});

test('only a tool registered with local: true runs locally; both shapes give the function', () => {
  expect(runsLocally({ run: quick, local: true })).toBe(true);
  expect(runsLocally({ run: quick })).toBe(false);
  expect(runsLocally(quick)).toBe(false);
  expect(runsLocally(undefined)).toBe(false);
  expect(toolImplementation(quick)).toBe(quick);
  expect(toolImplementation({ run: quick, local: true })).toBe(quick);
});

test('the decision says runToolLocally only for an execute call of a local tool', async () => {
  const acts = createActivities({ decider: allowAll, tools: { fast: { run: quick, local: true }, slow: quick } });
  expect(await acts.decideLocal({ tool: 'fast', input: {}, execute: true })).toMatchObject({ runToolLocally: true });
  expect(await acts.decideLocal({ tool: 'fast', input: {} })).not.toHaveProperty('runToolLocally');
  expect(await acts.decideLocal({ tool: 'slow', input: {}, execute: true })).not.toHaveProperty('runToolLocally');
});

test('runToolLocal and runTool run the registered function with the idempotency key; unknown tools fail for good', async () => {
  const seen: string[] = [];
  const acts = createActivities({
    decider: allowAll,
    tools: { fast: { run: (input, ctx) => (seen.push(ctx.idempotencyKey), quick(input)), local: true } },
  });
  const env = new MockActivityEnvironment();
  const input = { tool: 'fast', input: { n: 1 }, idempotencyKey: 'call-1', callId: 'call-1' };
  expect(await env.run(acts.runToolLocal, input)).toEqual({ echoed: { n: 1 } });
  expect(await env.run(acts.runTool, input)).toEqual({ echoed: { n: 1 } });
  expect(seen).toEqual(['call-1', 'call-1']);
  await expect(env.run(acts.runToolLocal, { ...input, tool: 'toString' })).rejects.toMatchObject({
    type: 'GUARD_UNKNOWN_TOOL',
    nonRetryable: true,
  });
});
