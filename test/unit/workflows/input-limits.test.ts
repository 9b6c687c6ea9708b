import {
  checkValueLimits,
  INPUT_LIMITS,
  valueLimitProblem,
  type ValueLimits,
} from '../../../src/workflows/input-limits';
import { approvalProblem, callProblem } from '../../../src/workflows/call-validation';

const small: ValueLimits = { maxDepth: 3, maxBytes: 40, maxEntries: 5, maxStringLength: 10 };

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('checkValueLimits', () => {
  test.each([
    ['a flat object within every limit', { a: 1, b: 'x' }, undefined],
    ['depth 3', { a: { b: [1] } }, undefined],
    ['depth 4', { a: { b: [[1]] } }, 'maxDepth'],
    ['a long string', { a: 'x'.repeat(11) }, 'maxStringLength'],
    ['a long key', { ['k'.repeat(11)]: 1 }, 'maxStringLength'],
    ['too many entries', [1, 2, 3, 4, 5, 6], 'maxEntries'],
    ['too many bytes', { a: '1234567890', b: '1234567890', c: '1234567890' }, 'maxBytes'],
  ])('%s', (_name, value, limit) => {
    expect(checkValueLimits(value, small)?.limit).toBe(limit);
  });

  test('counts bytes as JSON.stringify writes them (escapes, multi-byte characters)', () => {
    for (const text of ['plain', 'quote " and \\ back', 'tab\tnew\nline\u0001', 'é€😀', '\ud800 lone']) {
      const exact = Buffer.byteLength(JSON.stringify({ text, n: [1, true, null] }), 'utf8');
      expect(
        checkValueLimits({ text, n: [1, true, null] }, { ...INPUT_LIMITS.input, maxBytes: exact }),
      ).toBeUndefined();
      expect(
        checkValueLimits({ text, n: [1, true, null] }, { ...INPUT_LIMITS.input, maxBytes: exact - 1 })?.limit,
      ).toBe('maxBytes');
    }
  });

  test('walks 200,000 levels without recursion and names where the limit broke', () => {
    const violation = checkValueLimits(nested(200_000), INPUT_LIMITS.input);
    expect(violation).toMatchObject({ limit: 'maxDepth', max: 64 });
    expect(violation?.at).toBe(`/${Array.from({ length: 64 }, () => 'a').join('/')}`);
  });

  test('the message names the value, the limit and the place', () => {
    expect(valueLimitProblem("input of tool 'x'", { a: { b: { c: { d: 1 } } } }, 'input', small)).toBe(
      "input of tool 'x' is nested more than 3 levels deep (at /a/b/c; limit input.maxDepth)",
    );
  });
});

describe('callProblem and approvalProblem enforce the limits', () => {
  test('a deep input, a long context value, a long tool name', () => {
    expect(callProblem({ tool: 't', input: nested(5000) })).toMatch(/nested more than 64 levels deep/);
    expect(callProblem({ tool: 't', input: {}, context: { agent: 'a'.repeat(9000) } })).toMatch(
      /context has a string of 9000 characters.*context.maxStringLength/,
    );
    expect(callProblem({ tool: 'x'.repeat(129), input: {} })).toMatch(/1-128 letters/);
    expect(callProblem({ tool: 'x'.repeat(128), input: {} })).toBeUndefined();
  });

  test('a deep modifiedInput, a long reason, too many groups', () => {
    expect(approvalProblem({ by: 'a', modifiedInput: nested(100) })).toMatch(/'modifiedInput' is nested/);
    expect(approvalProblem({ by: 'a', reason: 'r'.repeat(5000) })).toMatch(/approval.reasonLength/);
    expect(approvalProblem({ by: 'a', groups: Array.from({ length: 65 }, () => 'g') })).toMatch(/at most 64/);
    expect(approvalProblem({ by: 'a', groups: [''] })).toMatch(/non-empty/);
    expect(approvalProblem({ by: 'a', groups: ['finance'], modifiedInput: { amount: 1 } })).toBeUndefined();
  });
});
