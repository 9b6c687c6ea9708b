import { PolicyEngine, PolicyError, describeQuorum, mergeApprovals, parsePolicy } from '../../../src/policy';

const header = 'policy: refunds\nrules:\n';
const rule = (approvals: string, extra = '') =>
  `${header}  - id: big\n    tools: process_refund\n    action: escalate\n    escalation:\n${extra}      approvals: ${approvals}\n`;

function problem(source: string): string {
  try {
    parsePolicy(source, 'p.yaml');
  } catch (error) {
    if (error instanceof PolicyError) return error.message;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

test('approvals compile; allOf groups join the approver groups and raise the count', () => {
  const policy = parsePolicy(rule('{ allOf: [finance, legal] }', '      approverGroups: [ops]\n'), 'p.yaml');
  expect(policy.rules[0]?.escalation).toEqual({
    approverGroups: ['ops', 'finance', 'legal'],
    approvals: { count: 2, allOf: ['finance', 'legal'] },
  });
  const two = parsePolicy(rule('{ count: 2, distinct: true, denyCount: 2 }'), 'p.yaml');
  expect(two.rules[0]?.escalation).toEqual({ approvals: { count: 2, denyCount: 2 } });
});

test.each([
  ['{ count: 0 }', "p.yaml:7: rule 'big': expected at least 1 approver"],
  ['{ count: 11 }', "p.yaml:7: rule 'big': at most 10 approvers"],
  ['{ count: 1.5 }', "p.yaml:7: rule 'big': expected a whole number of approvers"],
  ['{ distinct: false }', "p.yaml:7: rule 'big': distinct: false is not supported: one approver never counts twice"],
  ['{ count: 1, allOf: [finance, legal] }', "p.yaml:7: rule 'big': count 1 is less than the 2 groups of allOf"],
  ['{ quorum: 2 }', "p.yaml:7: rule 'big': unknown key 'quorum'"],
])('approvals %s is refused: %s', (approvals, message) => {
  expect(problem(rule(approvals))).toContain(message);
});

test('several escalating rules take the strictest quorum', () => {
  expect(
    mergeApprovals([
      { count: 2, denyCount: 3 },
      { count: 1, allOf: ['legal'], denyCount: 2 },
    ]),
  ).toEqual({
    count: 2,
    allOf: ['legal'],
    denyCount: 2,
  });
  expect(mergeApprovals([{ count: 3, denyCount: 2 }, undefined])).toEqual({ count: 3 });
  expect(mergeApprovals([undefined, undefined])).toBeUndefined();
});

test('the engine carries the quorum of the escalating rules in its decision', async () => {
  const source =
    header +
    '  - id: big\n    tools: process_refund\n    condition: input.amount > 10000\n    action: escalate\n' +
    '    escalation: { approverGroups: [finance], approvals: { count: 2 } }\n' +
    '  - id: legal\n    tools: process_refund\n    condition: input.country == "FR"\n    action: escalate\n' +
    '    escalation: { approvals: { allOf: [legal] } }\n';
  const engine = new PolicyEngine([parsePolicy(source, 'p.yaml')]);
  const both = await engine.decide({ tool: 'process_refund', input: { amount: 20000, country: 'FR' } }, new Date());
  expect(both.escalation).toMatchObject({
    approverGroups: ['finance', 'legal'],
    approvals: { count: 2, allOf: ['legal'] },
  });
  const big = await engine.decide({ tool: 'process_refund', input: { amount: 20000, country: 'DE' } }, new Date());
  expect(big.escalation).toEqual({ approverGroups: ['finance'], approvals: { count: 2 } });
});

test('describeQuorum says what the rule asks for', () => {
  expect(describeQuorum({ count: 2, allOf: ['finance', 'legal'] })).toBe(
    '2 distinct approvers, one from each of finance, legal; any single denial denies; the requester never approves',
  );
  expect(describeQuorum({ count: 3, denyCount: 2 })).toBe(
    '3 distinct approvers; 2 distinct denials deny; the requester never approves',
  );
});
