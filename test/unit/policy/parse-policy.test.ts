import { PolicyError, parsePolicy } from '../../../src/policy';

function errorOf(source: string): PolicyError {
  try {
    parsePolicy(source, 'policies/refunds.yaml');
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

const header = 'policy: refunds\nrules:\n';

describe('parsePolicy errors name file, line and rule', () => {
  test.each([
    [
      'unknown action',
      header + '  - id: big-refund\n    tools: process_refund\n    action: escalte\n',
      "policies/refunds.yaml:5: rule 'big-refund': unknown action 'escalte' (expected allow, block, modify, escalate)",
    ],
    [
      'unknown key',
      header + '  - id: r1\n    tools: x\n    acton: block\n',
      "policies/refunds.yaml:5: rule 'r1': unknown key 'acton' (check the spelling; see docs/policies.md)",
    ],
    [
      'bad CEL',
      header + '  - id: r2\n    tools: x\n    condition: input.amount >\n    action: block\n',
      "policies/refunds.yaml:5: rule 'r2': invalid CEL condition: Unexpected token: EOF",
    ],
    [
      'undeclared CEL variable',
      header + '  - id: r3\n    tools: x\n    condition: amount > 5\n    action: block\n',
      "policies/refunds.yaml:5: rule 'r3': invalid CEL condition: Unknown variable: amount",
    ],
    [
      'bad duration',
      header + '  - id: r4\n    tools: x\n    action: escalate\n    escalation:\n      timeout: 3 days\n',
      "policies/refunds.yaml:7: rule 'r4': invalid duration '3 days' (expected a number and a unit ms, s, m, h or d, e.g. 72h)",
    ],
    [
      'unknown detector',
      header + '  - id: r5\n    tools: x\n    detectors: [pii, ssh_keys]\n    action: block\n',
      "policies/refunds.yaml:5: rule 'r5': unknown detector 'ssh_keys'",
    ],
    [
      'missing action',
      header + '  - id: r6\n    tools: x\n',
      "policies/refunds.yaml:3: rule 'r6': missing action (expected allow, block, modify, escalate)",
    ],
    [
      'duplicate id',
      header + '  - id: r7\n    tools: x\n    action: block\n  - id: r7\n    tools: y\n    action: allow\n',
      "policies/refunds.yaml:6: rule 'r7': duplicate rule id (rule #1 has it too); ids must be unique",
    ],
    [
      'modify without ops',
      header + '  - id: r8\n    tools: x\n    action: modify\n',
      "policies/refunds.yaml:5: rule 'r8': modify rule needs 'modify:' operations",
    ],
    [
      'redact without detectors',
      header + '  - id: r9\n    tools: x\n    action: modify\n    modify:\n      - op: redact\n',
      "policies/refunds.yaml:7: rule 'r9': redact needs detectors",
    ],
    [
      'unknown modify op',
      header + '  - id: r10\n    tools: x\n    action: modify\n    modify:\n      - op: rewrite\n',
      "policies/refunds.yaml:7: rule 'r10': unknown modify op 'rewrite' (expected redact, set, remove, clamp)",
    ],
    [
      'bad pointer',
      header + '  - id: r11\n    tools: x\n    action: modify\n    modify:\n      - { op: remove, path: amount }\n',
      "policies/refunds.yaml:7: rule 'r11': invalid JSON pointer 'amount'",
    ],
    [
      'api key in file',
      header +
        '  - id: r12\n    type: llm-judge\n    tools: x\n    llm:\n      baseUrl: http://127.0.0.1:1\n      model: m\n      prompt: p\n      apiKeyEnv: sk-live-123\n',
      "policies/refunds.yaml:10: rule 'r12': expected the NAME of an environment variable holding the key, not the key",
    ],
    ['YAML syntax', 'rules:\n  - id: [unclosed\n', 'policies/refunds.yaml:3: invalid YAML/JSON: Flow sequence'],
    ['rules missing', 'policy: x\n', 'policies/refunds.yaml:1: expected a list of rules under `rules:`'],
  ])('%s', (_name, source, expected) => {
    const error = errorOf(source);
    expect(error.name).toBe('PolicyError');
    expect(error.message.startsWith(expected)).toBe(true);
    expect(error.file).toBe('policies/refunds.yaml');
  });

  test('carries every problem and the first one in its fields', () => {
    const error = errorOf(
      header +
        '  - id: a\n    tools: x\n    action: nope\n  - id: b\n    tools: y\n    mode: loud\n    action: block\n',
    );
    expect(error.issues).toHaveLength(2);
    expect(error.line).toBe(5);
    expect(error.ruleId).toBe('a');
    expect(error.issues[1]).toMatchObject({ line: 8, ruleId: 'b' });
    expect(error.message.split('\n')[1]).toBe(
      "policies/refunds.yaml:8: rule 'b': unknown mode 'loud' (expected enforce, audit)",
    );
  });

  test('accepts JSON and reports its lines too', () => {
    const json = '{\n  "rules": [\n    { "id": "j", "tools": "x", "action": "escalte" }\n  ]\n}\n';
    expect(errorOf(json).message).toMatch(/^policies\/refunds\.yaml:3: rule 'j': unknown action 'escalte'/);
    const ok = parsePolicy('{"policy": "p", "rules": [{"id": "j", "tools": "x", "action": "block"}]}', 'p.json');
    expect(ok.rules.map((r) => r.id)).toEqual(['j']);
  });

  test('a valid policy compiles escalation durations and defaults', () => {
    const policy = parsePolicy(
      header +
        '  - id: e\n    tools: [a, b_*]\n    action: escalate\n    escalation: { timeout: 72h, approverGroups: [finance], channels: [ops] }\n',
      'p.yaml',
    );
    expect(policy.name).toBe('refunds');
    expect(policy.defaults.action).toBe('allow');
    expect(policy.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(policy.rules[0]).toMatchObject({
      id: 'e',
      escalation: { timeoutMs: 72 * 3600 * 1000, approverGroups: ['finance'], channels: ['ops'] },
    });
    expect(policy.rules[0]?.matchesTool('b_x')).toBe(true);
    expect(policy.rules[0]?.matchesTool('c')).toBe(false);
  });
});
