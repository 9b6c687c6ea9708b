import path from 'node:path';

import { PolicyEngine } from '../../../src/policy';
import { callProblem } from '../../../src/workflows/call-validation';

const now = new Date('2026-01-01T00:00:00Z');
const engine = PolicyEngine.fromFiles([path.join(__dirname, '../../../policies/example.yaml')]);
const schema = { type: 'object', properties: { amount: { type: 'number', maximum: 10 } }, additionalProperties: false };

describe('a tool schema sent with the call', () => {
  test('combines with the policy: both must validate, the caller can only refuse more', () => {
    // example.yaml's own schema for process_refund allows this input; the caller's does not.
    const call = { tool: 'process_refund', input: { orderId: 'ord_1', amount: 20, reason: 'damaged' } };
    expect(engine.decideStatic(call, now).rulesTriggered.map((h) => h.id)).not.toContain('tool-schema');
    const loose = { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] };
    expect(engine.decideStatic({ ...call, toolSchema: loose }, now).action).not.toBe('block');
    const strict = { ...schema, properties: { ...schema.properties, orderId: {}, reason: {} } };
    expect(engine.decideStatic({ ...call, toolSchema: strict }, now)).toMatchObject({
      action: 'block',
      rulesTriggered: [{ id: 'tool-schema', action: 'block' }],
      reason: expect.stringContaining('/amount must be <= 10'),
    });
    // A permissive caller schema does not lift the policy's: example.yaml refuses an unknown key.
    const refused = engine.decideStatic({ ...call, input: { ...call.input, Amount: 1 }, toolSchema: {} }, now);
    expect(refused.action).toBe('block');
  });

  test('a schema that does not compile blocks (fail closed), naming the problem', () => {
    const decision = engine.decideStatic({ tool: 'lookup', input: {}, toolSchema: { type: 'no-such-type' } }, now);
    expect(decision.action).toBe('block');
    expect(decision.reason).toMatch(/the tool schema given with the call does not compile: .*type/);
  });

  test('pattern keywords run with RE2 semantics (no backtracking on hostile input)', () => {
    const hostile = { type: 'object', properties: { q: { type: 'string', pattern: '^(a+)+$' } } };
    const start = performance.now();
    const decision = engine.decideStatic(
      { tool: 'lookup', input: { q: 'a'.repeat(5000) + '!' }, toolSchema: hostile },
      now,
    );
    expect(decision.action).toBe('block');
    expect(performance.now() - start).toBeLessThan(2000);
  });

  test('is checked against the toolSchema limits before it is sent', () => {
    expect(callProblem({ tool: 't', input: {}, toolSchema: [] })).toMatch(
      /toolSchema of tool 't' must be a JSON Schema object/,
    );
    const big = {
      type: 'object',
      description: 'x'.repeat(2_000),
      properties: Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [`p${i}`, { description: 'y'.repeat(1_000) }]),
      ),
    };
    expect(callProblem({ tool: 't', input: {}, toolSchema: big })).toMatch(/toolSchema of tool 't'.*16384/);
  });
});
