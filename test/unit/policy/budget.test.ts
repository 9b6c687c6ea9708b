import type { Clock, PolicyDecision, ToolCall } from '../../../src/policy';
import { DECISION_BUDGET_RULE_ID, PolicyEngine, PolicyError, parsePolicy } from '../../../src/policy';

const now = new Date('2025-06-01T12:00:00Z');
const KB = 1024;

/** A clock that moves `step` ms each time it is read: time passes only when the engine looks. */
function steppingClock(step: number): Clock {
  let t = 0;
  return () => (t += step);
}

function engineOf(yaml: string, clock?: Clock): PolicyEngine {
  return new PolicyEngine([parsePolicy(`policy: t\n${yaml}`, 't.yaml')], {}, { clock });
}

const rules = `rules:
  - { id: refund, tools: refund, condition: 'input.amount > 10', action: block }
  - { id: secrets, tools: '*', detectors: [secrets], action: block }
  - { id: pii-redact, tools: mail, detectors: [pii], action: modify, modify: [{ op: redact }] }
  - { id: pattern, tools: grep, condition: "input.text.matches('needle')", action: allow }
`;

describe('decision budget', () => {
  test.each<[string, string, ToolCall, Clock | undefined, PolicyDecision['action'], RegExp, string[]]>([
    [
      'within the budget the rules decide',
      'limits: { maxScanBytes: 4 KB }\n',
      { tool: 'note', input: { text: 'x'.repeat(2 * KB) } },
      undefined,
      'allow',
      /^no rule fired; default allow$/,
      [],
    ],
    [
      'scanning more than maxScanBytes blocks, naming the limit',
      'limits: { maxScanBytes: 1 KB }\n',
      { tool: 'note', input: { text: 'x'.repeat(2 * KB) } },
      undefined,
      'block',
      /^decision budget exceeded: scanned 2 KB of 1 KB allowed \(limits\.maxScanBytes\)$/,
      [DECISION_BUDGET_RULE_ID],
    ],
    [
      'each string counts once per rule that scans it',
      'limits: { maxScanBytes: 3 KB }\n',
      { tool: 'mail', input: { a: 'y'.repeat(KB), b: 'z'.repeat(KB) } },
      undefined,
      'block',
      /^decision budget exceeded: scanned 4 KB of 3 KB allowed \(limits\.maxScanBytes\)$/,
      [DECISION_BUDGET_RULE_ID],
    ],
    [
      'onExceeded: escalate escalates instead',
      'limits: { maxScanBytes: 1 KB, onExceeded: escalate }\n',
      { tool: 'note', input: { text: 'x'.repeat(2 * KB) } },
      undefined,
      'escalate',
      /^decision budget exceeded: scanned 2 KB of 1 KB allowed \(limits\.maxScanBytes\)$/,
      [DECISION_BUDGET_RULE_ID],
    ],
    [
      'a rule that already blocked keeps the block when the budget runs out after it',
      'limits: { maxScanBytes: 1 KB, onExceeded: escalate }\n',
      { tool: 'refund', input: { amount: 20, note: 'x'.repeat(2 * KB) } },
      undefined,
      'block',
      /^decision budget exceeded: scanned/,
      ['refund', DECISION_BUDGET_RULE_ID],
    ],
    [
      'computing longer than maxDecisionMs blocks, naming the limit',
      'limits: { maxDecisionMs: 50 }\n',
      { tool: 'note', input: { text: 'x'.repeat(64 * KB) } },
      steppingClock(40),
      'block',
      /^decision budget exceeded: computed for 80 ms of 50 ms allowed \(after scanning 64 KB\) \(limits\.maxDecisionMs\)$/,
      [DECISION_BUDGET_RULE_ID],
    ],
    [
      'a slow clock within maxDecisionMs changes nothing',
      'limits: { maxDecisionMs: 1000 }\n',
      { tool: 'note', input: { text: 'x'.repeat(64 * KB) } },
      steppingClock(1),
      'allow',
      /^no rule fired/,
      [],
    ],
    [
      "matches() charges the text it searches, even in a rule whose condition errors don't stop the call",
      'limits: { maxScanBytes: 3 KB }\n',
      { tool: 'grep', input: { text: 'x'.repeat(2 * KB) } },
      undefined,
      'block',
      /^decision budget exceeded: scanned 4 KB of 3 KB allowed \(limits\.maxScanBytes\)$/,
      [DECISION_BUDGET_RULE_ID],
    ],
    [
      'redaction counts too: detection fits, detection plus redaction passes do not',
      'limits: { maxScanBytes: 1800 }\n',
      { tool: 'mail', input: { body: `mail a@b.io ${'x'.repeat(500)}` } },
      undefined,
      'block',
      /^decision budget exceeded: scanned 2 KB of 1\.8 KB allowed \(limits\.maxScanBytes\)$/,
      ['pii-redact', DECISION_BUDGET_RULE_ID],
    ],
  ])('%s', (_name, limits, call, clock, action, reason, hitIds) => {
    const engine = engineOf(limits + rules, clock);
    const decision = engine.decideStatic(call, now);
    expect(decision.action).toBe(action);
    expect(decision.reason).toMatch(reason);
    expect(decision.rulesTriggered.map((hit) => hit.id)).toEqual(hitIds);
  });

  test('the budget hit names the limit and acts as onExceeded says, enforced', () => {
    const engine = engineOf('limits: { maxScanBytes: 100, onExceeded: escalate }\n' + rules);
    const decision = engine.decideStatic({ tool: 'note', input: { text: 'x'.repeat(200) } }, now);
    expect(decision.rulesTriggered).toEqual([
      {
        id: 'guard:decision-budget',
        action: 'escalate',
        mode: 'enforce',
        message: 'decision budget exceeded: scanned 200 bytes of 100 bytes allowed (limits.maxScanBytes)',
      },
    ]);
    expect(decision.escalation).toEqual({});
  });

  test('an escalation over budget waits with the settings of the policy that escalates', () => {
    const engine = engineOf(
      'defaults: { escalation: { timeout: 1h, approverGroups: [security] } }\n' +
        'limits: { maxScanBytes: 100, onExceeded: escalate }\n' +
        rules,
    );
    const decision = engine.decideStatic({ tool: 'note', input: { text: 'x'.repeat(200) } }, now);
    expect(decision.escalation).toEqual({ timeoutMs: 3_600_000, approverGroups: ['security'] });
  });

  test('decide() resolves with the budget decision, never rejects', async () => {
    const engine = engineOf('limits: { maxScanBytes: 1 KB }\n' + rules);
    const decision = await engine.decide({ tool: 'note', input: { text: 'x'.repeat(2 * KB) } }, now);
    expect(decision.action).toBe('block');
    expect(decision.rulesTriggered.map((hit) => hit.id)).toEqual([DECISION_BUDGET_RULE_ID]);
  });

  test('time spent waiting for an llm-judge does not count, computing after it does', async () => {
    let t = 0;
    const clock: Clock = () => t;
    const engine = new PolicyEngine(
      [
        parsePolicy(
          `limits: { maxDecisionMs: 100 }
rules:
  - id: judge
    type: llm-judge
    tools: ask
    llm: { baseUrl: 'http://127.0.0.1:1', model: m, prompt: 'p {{input}}' }
`,
          'j.yaml',
        ),
      ],
      {
        llmJudge: () => {
          t += 10_000;
          return Promise.resolve({ action: 'allow' });
        },
      },
      { clock },
    );
    const decision = await engine.decide({ tool: 'ask', input: { q: 'x' } }, now);
    expect(decision.action).toBe('allow');
  });

  test.each<[string, string[], { maxScanBytes: number; maxDecisionMs: number; onExceeded: string }]>([
    [
      'no policy sets limits: the defaults',
      ['', ''],
      { maxScanBytes: 16 * 1024 * 1024, maxDecisionMs: 250, onExceeded: 'block' },
    ],
    [
      'the smallest of each limit set, defaults for the rest',
      ['limits: { maxScanBytes: 2 MB }\n', 'limits: { maxScanBytes: 512 KB, maxDecisionMs: 200 }\n'],
      { maxScanBytes: 512 * 1024, maxDecisionMs: 200, onExceeded: 'block' },
    ],
    [
      'escalate only when every policy that sets onExceeded says so',
      ['limits: { onExceeded: escalate }\n', ''],
      { maxScanBytes: 16 * 1024 * 1024, maxDecisionMs: 250, onExceeded: 'escalate' },
    ],
    [
      'block wins over escalate',
      ['limits: { onExceeded: escalate }\n', 'limits: { onExceeded: block }\n'],
      { maxScanBytes: 16 * 1024 * 1024, maxDecisionMs: 250, onExceeded: 'block' },
    ],
  ])('several policies: %s', (_name, heads, expected) => {
    const policies = heads.map((head, i) => parsePolicy(`${head}rules: []\n`, `p${i}.yaml`));
    expect(new PolicyEngine(policies).limits).toEqual(expected);
  });

  test.each([
    ['maxScanBytes: lots', "t.yaml:1: invalid size 'lots' (expected e.g. 2 MB, 512 KB or 65536)"],
    ['maxScanBytes: 0', 't.yaml:1: invalid size 0 (expected e.g. 2 MB, 512 KB or 65536)'],
    ['maxDecisionMs: 0.5', 't.yaml:1: expected a whole number of milliseconds'],
    ['maxDecisionMs: 0', 't.yaml:1: expected at least 1 ms'],
    ['onExceeded: allow', "t.yaml:1: unknown onExceeded action 'allow' (expected block, escalate)"],
    ['maxScanByte: 1', "t.yaml:1: unknown key 'maxScanByte' (check the spelling; see docs/policies.md)"],
  ])('limits { %s } is a load error', (field, message) => {
    expect(() => parsePolicy(`limits: { ${field} }\nrules: []\n`, 't.yaml')).toThrow(PolicyError);
    expect(() => parsePolicy(`limits: { ${field} }\nrules: []\n`, 't.yaml')).toThrow(message);
  });
});
