import path from 'node:path';

import fc from 'fast-check';

import { PolicyEngine, loadPolicyFile, parsePolicy, resolveDetectors, scanValue } from '../../../src/policy';

const now = new Date('2025-06-01T12:00:00Z');
const example = new PolicyEngine([loadPolicyFile(path.join(__dirname, '../../../policies/example.yaml'))]);
const tools = ['process_refund', 'send_email', 'run_shell', 'execute_sql', 'export_x', 'other'];

describe('properties', () => {
  test('evaluation never throws and always returns a valid decision on arbitrary JSON input', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...tools),
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: undefined }),
        (tool, input, context) => {
          const decision = example.decideStatic({ tool, input, context }, now);
          expect(['allow', 'block', 'modify', 'escalate']).toContain(decision.action);
          expect(Array.isArray(decision.rulesTriggered)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('amounts drive refunds whatever else the input holds', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.dictionary(fc.string(), fc.jsonValue()), (amount, rest) => {
        const decision = example.decideStatic({ tool: 'process_refund', input: { ...rest, amount } }, now);
        const expected = amount > 50000 ? 'block' : amount > 1000 ? 'escalate' : 'allow';
        expect(decision.action === expected || decision.action === 'block').toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  const pii = resolveDetectors(['pii'])!;
  const email = fc
    .tuple(fc.stringMatching(/^[a-z0-9._%+-]{1,12}$/), fc.stringMatching(/^[a-z0-9-]{1,10}\.[a-z]{2,5}$/))
    .map(([user, domain]) => `${user}@${domain}`);
  const card = fc.constantFrom('4111 1111 1111 1111', '5500-0000-0000-0004', '378282246310005', '6011111111111117');
  const ssn = fc.constantFrom('123-45-6789', '078-05-1120');
  const iban = fc.constantFrom('DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'FR1420041010050500013M02606');
  const filler = fc.stringMatching(/^[a-zA-Z ,.]{0,20}$/);
  const text = fc
    .array(fc.oneof(email, card, ssn, iban, filler), { minLength: 1, maxLength: 6 })
    .map((parts) => parts.join(' '));

  test('redaction leaves no detected value behind', () => {
    const engine = new PolicyEngine([
      parsePolicy(
        'rules:\n  - { id: r, tools: t, detectors: [pii], action: modify, modify: [{ op: redact }] }\n',
        'r.yaml',
      ),
    ]);
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(text, fc.array(text), fc.jsonValue())), (input) => {
        const decision = engine.decideStatic({ tool: 't', input }, now);
        const after = decision.modifiedInput ?? input;
        expect(scanValue(after, pii)).toEqual([]);
        if (scanValue(input, pii).length > 0) expect(decision.action).toBe('modify');
      }),
      { numRuns: 300 },
    );
  });
});
