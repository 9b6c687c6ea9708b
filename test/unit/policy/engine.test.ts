import path from 'node:path';

import type { GuardServices, PolicyDecision } from '../../../src/policy';
import { PolicyEngine, PolicyError, loadPolicyFile, parsePolicy } from '../../../src/policy';

const now = new Date('2025-06-01T12:00:00Z');

function engineOf(rulesYaml: string, services?: GuardServices, defaults = ''): PolicyEngine {
  return new PolicyEngine([parsePolicy(`policy: t\n${defaults}rules:\n${rulesYaml}`, 't.yaml')], services);
}

describe('example policy', () => {
  const engine = new PolicyEngine([loadPolicyFile(path.join(__dirname, '../../../policies/example.yaml'))]);
  test.each<[string, string, Record<string, unknown>, PolicyDecision['action'], string[]]>([
    ['small refund', 'process_refund', { amount: 10 }, 'allow', []],
    ['refund over 1000', 'process_refund', { amount: 4200 }, 'escalate', ['payment-needs-approval', 'big-refund']],
    [
      'refund over 50000',
      'process_refund',
      { amount: 60000 },
      'block',
      ['payment-over-limit', 'payment-needs-approval', 'huge-refund', 'big-refund'],
    ],
    ['refund without amount (schema)', 'process_refund', {}, 'block', ['tool-schema']],
    ['refund with a misspelt key (schema)', 'process_refund', { Amount: 99999 }, 'block', ['tool-schema']],
    ['email with PII', 'send_email', { to: 'x@y.io', body: 'mail a@b.io' }, 'modify', ['outgoing-pii']],
    ['recipient address only', 'send_email', { to: 'a@b.io', body: 'hi' }, 'allow', []],
    ['rm -rf', 'run_shell', { command: 'rm -rf ./build' }, 'block', ['no-rm-rf']],
    ['ssh mkfs (a base glob: its rule applies, the tool is still unknown)', 'ssh_exec', { command: 'mkfs.ext4 /dev/sdb' }, 'block', ['unknown-tool', 'shell-dangerous']],
    ['DROP TABLE', 'execute_sql', { sql: 'DROP TABLE users' }, 'block', ['sql-destructive']],
    ['big export audited', 'export_orders', { rows: 20000 }, 'allow', ['large-export']],
    ['small export', 'export_orders', { rows: 20 }, 'allow', []],
    ['unknown tool', 'weather', { city: 'Oslo' }, 'escalate', ['unknown-tool']],
    ['near miss of a tool name', 'Process_Refund', { amount: 10 }, 'escalate', ['unknown-tool']],
    [
      'near miss of a tool name that a base glob still reaches (*Refund)',
      'Process_Refund',
      { amount: 99999 },
      'block',
      ['unknown-tool', 'payment-over-limit', 'payment-needs-approval'],
    ],
  ])('%s', (_name, tool, input, action, rules) => {
    const decision = engine.decideStatic({ tool, input }, now);
    expect(decision.action).toBe(action);
    expect(decision.rulesTriggered.map((hit) => hit.id)).toEqual(rules);
    expect(decision.policyVersion).toBe(engine.version);
  });

  test('escalation carries the rule settings and the reason names the rule', () => {
    const decision = engine.decideStatic({ tool: 'process_refund', input: { amount: 4200 } }, now);
    expect(decision.escalation).toEqual({
      timeoutMs: 259_200_000,
      approverGroups: ['finance'],
      channels: ['finance-webhook'],
    });
    expect(decision.reason).toBe(
      "escalated by 'payment-needs-approval', 'big-refund': Payments over 1000 need approval; Refunds over 1000 need finance approval",
    );
  });

  test('audit hits are recorded with mode audit and named in the reason', () => {
    const decision = engine.decideStatic({ tool: 'export_orders', input: { rows: 20000 } }, now);
    expect(decision.rulesTriggered).toEqual([
      { id: 'large-export', action: 'block', mode: 'audit', message: 'Exports over 10000 rows would be blocked' },
    ]);
    expect(decision.reason).toBe("no rule fired; default allow; audit only: 'large-export' would block");
  });

  test('the version is a short content hash that changes with the source', () => {
    expect(engine.version).toMatch(/^[0-9a-f]{12}$/);
    const other = engineOf('  - { id: x, tools: a, action: block }\n');
    expect(other.version).not.toBe(engine.version);
  });
});

describe('rule scope', () => {
  const engine = engineOf(
    '  - { id: pii, tools: mail, detectors: [pii], scope: [/body, /meta/notes], action: modify, modify: [{ op: redact }] }\n',
  );

  test('detectors look only inside the scope, and findings carry the full pointer', () => {
    const outside = engine.decideStatic({ tool: 'mail', input: { to: 'a@b.io', body: 'hello' } }, now);
    expect(outside.action).toBe('allow');
    const inside = engine.decideStatic(
      { tool: 'mail', input: { to: 'a@b.io', meta: { notes: 'call 555-867-5309 or c@d.io' } } },
      now,
    );
    expect(inside.action).toBe('modify');
    expect(inside.rulesTriggered[0]?.message).toContain('email at /meta/notes');
  });

  test('redact rewrites the scope only and leaves the rest of the input untouched', () => {
    const decision = engine.decideStatic({ tool: 'mail', input: { to: 'a@b.io', body: 'write to c@d.io', n: 1 } }, now);
    expect(decision.modifiedInput).toEqual({ to: 'a@b.io', body: 'write to [REDACTED:email]', n: 1 });
  });

  test('a scope entry must be a JSON pointer', () => {
    expect(() => engineOf('  - { id: bad, tools: mail, detectors: [pii], scope: [body], action: block }\n')).toThrow(
      /rule 'bad'.*invalid JSON pointer 'body'/,
    );
  });
});

describe('precedence and composition', () => {
  const rules = [
    '  - { id: m1, tools: t, action: modify, modify: [{ op: set, path: /a, value: 1 }] }',
    '  - { id: e1, tools: t, condition: "has(input.e)", action: escalate, escalation: { timeout: 5m, approverGroups: [ops] } }',
    '  - { id: e2, tools: t, condition: "has(input.e)", action: escalate, escalation: { timeout: 30s, approverGroups: [sec] } }',
    '  - { id: b1, tools: t, condition: "has(input.b)", action: block }',
    '  - { id: m2, tools: t, action: modify, modify: [{ op: clamp, path: /a, min: 5 }, { op: remove, path: /secret }] }',
    '  - { id: a1, tools: t, action: allow }',
  ].join('\n');
  const engine = engineOf(rules + '\n');

  test.each<[string, Record<string, unknown>, PolicyDecision['action']]>([
    ['modify beats allow', {}, 'modify'],
    ['escalate beats modify', { e: 1 }, 'escalate'],
    ['block beats everything', { e: 1, b: 1 }, 'block'],
  ])('%s', (_name, input, action) => {
    expect(engine.decideStatic({ tool: 't', input }, now).action).toBe(action);
  });

  test('modifies compose in rule order and never touch the caller input', () => {
    const input = { a: 100, secret: 's', keep: { x: 1 } };
    const decision = engine.decideStatic({ tool: 't', input }, now);
    expect(decision.modifiedInput).toEqual({ a: 5, keep: { x: 1 } });
    expect(input).toEqual({ a: 100, secret: 's', keep: { x: 1 } });
    expect(decision.reason).toBe("modified by 'm1', 'm2': tool matches t; tool matches t");
  });

  test('escalations merge: shortest timeout, union of groups; modified input travels along', () => {
    const decision = engine.decideStatic({ tool: 't', input: { e: 1 } }, now);
    expect(decision.escalation).toEqual({ timeoutMs: 30_000, approverGroups: ['ops', 'sec'] });
    expect(decision.modifiedInput).toEqual({ e: 1, a: 5 });
    expect(decision.rulesTriggered.map((h) => h.id)).toEqual(['m1', 'e1', 'e2', 'm2', 'a1']);
  });

  test('blocks carry no modified input', () => {
    expect(engine.decideStatic({ tool: 't', input: { b: 1 } }, now).modifiedInput).toBeUndefined();
  });
});

describe('modify operations', () => {
  test.each<[string, string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'set nested creates parents',
      '{ op: set, path: /meta/by, value: guard }',
      { a: 1 },
      { a: 1, meta: { by: 'guard' } },
    ],
    ['set array element', '{ op: set, path: /items/1, value: 0 }', { items: [1, 2] }, { items: [1, 0] }],
    ['set escaped key', '{ op: set, path: /a~1b, value: 1 }', {}, { 'a/b': 1 }],
    ['remove missing is a no-op', '{ op: remove, path: /nope }', { a: 1 }, { a: 1 }],
    ['remove array element', '{ op: remove, path: /items/0 }', { items: [1, 2] }, { items: [2] }],
    ['clamp max', '{ op: clamp, path: /n, max: 10 }', { n: 50 }, { n: 10 }],
    ['clamp min', '{ op: clamp, path: /n, min: 3, max: 10 }', { n: -1 }, { n: 3 }],
    ['clamp leaves strings', '{ op: clamp, path: /n, max: 10 }', { n: '50' }, { n: '50' }],
    ['redact', '{ op: redact, detectors: [email] }', { to: ['x@y.io'] }, { to: ['[REDACTED:email]'] }],
  ])('%s', (_name, op, input, expected) => {
    const engine = engineOf(`  - id: m\n    tools: t\n    action: modify\n    modify: [${op}]\n`);
    expect(engine.decideStatic({ tool: 't', input }, now).modifiedInput).toEqual(expected);
  });
});

describe('conditions', () => {
  test.each<[string, Record<string, unknown>, Record<string, unknown> | undefined, boolean]>([
    ['input.amount > 100', { amount: 101 }, undefined, true],
    ['input.amount > 100', { amount: 100 }, undefined, false],
    ['tool == "t" && input.user.role == "admin"', { user: { role: 'admin' } }, undefined, true],
    ['context.agent == "support-bot"', {}, { agent: 'support-bot' }, true],
    ['context.agent == "support-bot"', {}, undefined, false],
    ['context.time.startsWith("2025-06-01")', {}, undefined, true],
    ['context.batch != "" && size(input.items) > 2', { items: [1, 2, 3] }, { batch: 'b1' }, true],
    ['"admin" in input.tags', { tags: ['x', 'admin'] }, undefined, true],
  ])('%s', (condition, input, context, fires) => {
    const engine = engineOf(`  - id: c\n    tools: t\n    condition: '${condition}'\n    action: block\n`);
    expect(engine.decideStatic({ tool: 't', input, context }, now).action).toBe(fires ? 'block' : 'allow');
  });

  test.each([
    ['block', 'block', true],
    ['escalate', 'escalate', true],
    ['modify', 'allow', false],
    ['allow', 'allow', false],
  ])('a runtime error in a %s rule: fails closed = %s', (action, expected, fired) => {
    const modify = action === 'modify' ? '\n    modify: [{ op: remove, path: /x }]' : '';
    const engine = engineOf(
      `  - id: c\n    tools: t\n    condition: input.amount > 5\n    action: ${action}${modify}\n`,
    );
    const decision = engine.decideStatic({ tool: 't', input: { amount: 'lots' } }, now);
    expect(decision.action).toBe(expected);
    expect(decision.rulesTriggered.length > 0).toBe(fired);
    if (fired) expect(decision.rulesTriggered[0]?.message).toMatch(/^condition error: no such overload/);
  });

  test('a condition and detectors must both match', () => {
    const engine = engineOf(
      '  - id: c\n    tools: t\n    condition: input.external == true\n    detectors: [email]\n    action: block\n',
    );
    expect(engine.decideStatic({ tool: 't', input: { external: true, to: 'a@b.io' } }, now).action).toBe('block');
    expect(engine.decideStatic({ tool: 't', input: { external: false, to: 'a@b.io' } }, now).action).toBe('allow');
    expect(engine.decideStatic({ tool: 't', input: { external: true, to: 'nobody' } }, now).action).toBe('allow');
  });
});

describe('defaults and policy sets', () => {
  test('the strictest default of several policies applies when nothing fires', () => {
    const a = parsePolicy('policy: a\ndefaults: { action: allow }\nrules: []\n', 'a.yaml');
    const b = parsePolicy(
      'policy: b\ndefaults: { action: escalate, escalation: { timeout: 1h } }\nrules:\n  - { id: ok, tools: safe, action: allow }\n',
      'b.yaml',
    );
    const engine = new PolicyEngine([a, b]);
    const decision = engine.decideStatic({ tool: 'x', input: {} }, now);
    expect(decision).toMatchObject({ action: 'escalate', escalation: { timeoutMs: 3_600_000 } });
    expect(engine.decideStatic({ tool: 'safe', input: {} }, now).action).toBe('allow');
  });

  test('rule ids must be unique across policies', () => {
    const a = parsePolicy('rules:\n  - { id: same, tools: x, action: block }\n', 'a.yaml');
    const b = parsePolicy('rules:\n  - { id: same, tools: y, action: block }\n', 'b.yaml');
    expect(() => new PolicyEngine([a, b])).toThrow("b.yaml: rule 'same': rule id also used in a.yaml");
  });
});

describe('async rules with injected services', () => {
  const judgeRule =
    '  - id: judge\n    type: llm-judge\n    tools: t\n    llm: { baseUrl: "http://127.0.0.1:9", model: m, prompt: "Tool {{tool}} input {{input}}" }\n';
  const remoteRule = (failOpen: boolean) =>
    `  - id: remote\n    type: remote\n    tools: r\n    remote: { url: "http://127.0.0.1:9/guard", failOpen: ${failOpen} }\n    escalation: { approverGroups: [sec] }\n`;

  test('decideStatic refuses tools with async rules; decide uses the judge with the filled prompt', async () => {
    const prompts: string[] = [];
    const engine = engineOf(judgeRule, {
      llmJudge: async (req) => {
        prompts.push(req.prompt);
        return { action: 'block', reason: 'looks like fraud' };
      },
    });
    expect(() => engine.decideStatic({ tool: 't', input: {} }, now)).toThrow(PolicyError);
    expect(engine.requiresAsync('t')).toBe(true);
    expect(engine.requiresAsync('other')).toBe(false);
    const decision = await engine.decide({ tool: 't', input: { a: 1 } }, now);
    expect(decision).toMatchObject({ action: 'block', reason: "blocked by 'judge': looks like fraud" });
    expect(prompts).toEqual(['Tool t input {"a":1}']);
  });

  test.each<[string, string, PolicyDecision['action']]>([
    ['default fallback escalates', '', 'escalate'],
    ['explicit allow fallback', '    fallback: allow\n', 'allow'],
    ['block fallback', '    fallback: block\n', 'block'],
  ])('judge failure: %s', async (_name, fallback, action) => {
    const engine = engineOf(judgeRule + fallback, {
      llmJudge: () => Promise.reject(new Error('connect ECONNREFUSED')),
    });
    const decision = await engine.decide({ tool: 't', input: {} }, now);
    expect(decision.action).toBe(action);
    expect(decision.rulesTriggered[0]?.message).toBe(`llm-judge failed (connect ECONNREFUSED); fallback ${action}`);
  });

  test('a missing judge service is a failure, never a silent allow', async () => {
    const decision = await engineOf(judgeRule).decide({ tool: 't', input: {} }, now);
    expect(decision.action).toBe('escalate');
  });

  test('remote verdicts map into the decision, with prefixed rule hits', async () => {
    const engine = engineOf(remoteRule(false), {
      remoteGuard: async (req) => ({
        action: 'modify',
        modifiedInput: { ...req.call.input, masked: true },
        reason: 'masked',
        rulesTriggered: [{ id: 'mask' }, { id: 'note', action: 'block', mode: 'audit' }],
      }),
    });
    const decision = await engine.decide({ tool: 'r', input: { a: 1 } }, now);
    expect(decision).toMatchObject({ action: 'modify', modifiedInput: { a: 1, masked: true } });
    expect(decision.rulesTriggered).toEqual([
      { id: 'remote', action: 'modify', mode: 'enforce', message: 'masked' },
      { id: 'remote:mask', action: 'modify', mode: 'enforce' },
      { id: 'remote:note', action: 'block', mode: 'audit' },
    ]);
  });

  test.each<[boolean, PolicyDecision['action']]>([
    [false, 'block'],
    [true, 'allow'],
  ])('remote failure with failOpen %s -> %s', async (failOpen, action) => {
    const engine = engineOf(remoteRule(failOpen), { remoteGuard: () => Promise.reject(new Error('HTTP 500')) });
    const decision = await engine.decide({ tool: 'r', input: {} }, now);
    expect(decision.action).toBe(action);
    expect(decision.rulesTriggered[0]?.message).toMatch(/^remote guard failed \(HTTP 500\); failing (open|closed)$/);
  });

  test('a static block skips the async services', async () => {
    let called = 0;
    const engine = engineOf(judgeRule + '  - { id: stop, tools: t, action: block }\n', {
      llmJudge: async () => {
        called++;
        return { action: 'allow' };
      },
    });
    expect((await engine.decide({ tool: 't', input: {} }, now)).action).toBe('block');
    expect(called).toBe(0);
  });
});
