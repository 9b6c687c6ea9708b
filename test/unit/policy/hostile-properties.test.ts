/**
 * Arbitrary hostile JSON thrown at the policy engine: deep, wide, long strings, unicode, prototype keys. Every call
 * must get a decision (or, from decideStatic on an async tool, a PolicyError), never a hang or another throw.
 */
import path from 'node:path';

import fc from 'fast-check';

import { ADVERSARIAL_UNITS } from '../../../bench/adversarial';
import type { PolicyDecision } from '../../../src/policy';
import { DECISION_BUDGET_RULE_ID, PolicyEngine, loadPolicyFile, parsePolicy } from '../../../src/policy';

const now = new Date('2025-06-01T12:00:00Z');
const actions = ['allow', 'block', 'modify', 'escalate'];
const tools = ['process_refund', 'send_email', 'run_shell', 'ssh_exec', 'execute_sql', 'export_x', 'other', 't'];
const prototypeKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

const example = new PolicyEngine([loadPolicyFile(path.join(__dirname, '../../../policies/example.yaml'))]);
// Every detector, redaction, RE2 conditions over strings and lists, and a tight budget that hostile inputs hit.
const everything = new PolicyEngine([
  parsePolicy(
    `limits: { maxScanBytes: 256 KB, onExceeded: escalate }
rules:
  - { id: redact-all, tools: '*', detectors: [pii, secrets], action: modify, modify: [{ op: redact }] }
  - { id: shell, tools: '*', detectors: [shell, sql], action: block }
  - id: re2
    tools: '*'
    condition: "has(input.s) && input.s.matches('^(a|aa)+$')"
    action: escalate
  - id: any-key
    tools: '*'
    condition: "input.exists(k, k.matches('(?i)proto|constructor'))"
    action: allow
`,
    'everything.yaml',
  ),
]);

const key = fc.oneof(fc.string(), fc.constantFrom(...prototypeKeys), fc.string({ unit: 'binary', maxLength: 8 }));
const longString = fc
  .tuple(fc.constantFrom(...ADVERSARIAL_UNITS), fc.integer({ min: 1, max: 5_000 }))
  .map(([unit, n]) => unit.repeat(n));
const leaf = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  longString,
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
// Object.fromEntries defines own properties: `__proto__` becomes a key, as JSON.parse makes it.
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 6 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 6 }).map((entries) => Object.fromEntries(entries)),
  ),
})).value;
const input = fc.array(fc.tuple(key, json), { maxLength: 8 }).map((entries) => Object.fromEntries(entries));

function expectDecision(decision: PolicyDecision): void {
  expect(actions).toContain(decision.action);
  expect(Array.isArray(decision.rulesTriggered)).toBe(true);
  expect(typeof decision.reason).toBe('string');
  if (decision.rulesTriggered.some((hit) => hit.id === DECISION_BUDGET_RULE_ID)) {
    expect(decision.reason).toMatch(/^decision budget exceeded: .* \(limits\.max(ScanBytes|DecisionMs)\)$/);
  }
}

describe('hostile JSON at the engine', () => {
  test.each([
    ['example', example],
    ['every detector, redaction, RE2 and a tight budget', everything],
  ])(
    '%s: decideStatic and decide always return a decision',
    async (_, engine) => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...tools), input, fc.option(input, { nil: undefined }), async (tool, i, c) => {
          expectDecision(engine.decideStatic({ tool, input: i, context: c }, now));
          expectDecision(await engine.decide({ tool, input: i, context: c }, now));
        }),
        { numRuns: 100 },
      );
    },
    120_000,
  );

  const deep = (depth: number, leafValue: unknown): unknown => {
    let value = leafValue;
    for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
    return value;
  };
  const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, `v${i} a@b.io`]));

  test.each<[string, unknown]>([
    ['nested 10,000 levels deep', deep(10_000, 'jane@example.org')],
    ['100,000 keys, each with an email', wide],
    ['a 1 MB string of email starts', 'a@'.repeat(1 << 19)],
    ['a prototype key holding a secret', JSON.parse('{"__proto__": {"k": "AKIAIOSFODNN7EXAMPLE"}}')],
    ['a non-object input', 'just a string'],
    ['null', null],
  ])(
    '%s gets a decision from both engines',
    async (_, value) => {
      for (const engine of [example, everything]) {
        for (const tool of ['send_email', 'other']) {
          const call = { tool, input: { v: value } as Record<string, unknown> };
          expectDecision(engine.decideStatic(call, now));
          expectDecision(await engine.decide(call, now));
          const raw = { tool, input: value as Record<string, unknown> };
          expectDecision(engine.decideStatic(raw, now));
        }
      }
    },
    120_000,
  );

  test('a prototype key is redacted as data and never reaches the prototype', () => {
    const decision = everything.decideStatic(
      { tool: 'other', input: JSON.parse('{"__proto__": {"mail": "jane@example.org"}}') as Record<string, unknown> },
      now,
    );
    expect(decision.action).toBe('modify');
    expect(Object.getPrototypeOf(decision.modifiedInput)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decision.modifiedInput, '__proto__')?.value).toEqual({
      mail: '[REDACTED:email]',
    });
  });
});
