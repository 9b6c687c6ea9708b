import fc from 'fast-check';
import {
  approvalIssue,
  batchItemIssue,
  callIdIssue,
  callIssue,
  callProblem,
  refusedItem,
} from '../../../src/workflows/call-validation';
import { checkValueLimits, INPUT_LIMITS } from '../../../src/workflows/input-limits';

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

/** Every limit name an issue may carry: the paths of INPUT_LIMITS' numbers. */
const LIMIT_NAMES = new Set(
  Object.entries(INPUT_LIMITS).flatMap(([group, value]) =>
    typeof value === 'number' ? [group] : Object.keys(value).map((key) => `${group}.${key}`),
  ),
);

const key = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', ''),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const json = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('node'), { maxLength: 5 }),
    fc.dictionary(key, tie('node'), { maxKeys: 5 }),
  ),
})).node;
/** Shapes a hostile caller sends: deep chains, wide arrays, long strings and keys, around arbitrary JSON. */
const hostile = fc.oneof(
  json,
  fc.integer({ min: 1, max: 3000 }).map(nested),
  fc.integer({ min: 0, max: 120_000 }).map((n) => ({ list: new Array<number>(n).fill(1) })),
  fc.integer({ min: 0, max: 1_100_000 }).map((n) => ({ ['k'.repeat(n % 2_000)]: 'v'.repeat(n) })),
);

describe('callIssue on arbitrary and hostile JSON', () => {
  test('never throws; a limit it names is one of INPUT_LIMITS and the check agrees', () => {
    fc.assert(
      fc.property(json, hostile, json, (tool, input, context) => {
        for (const call of [
          { tool: 'read_file', input },
          { tool: 'read_file', input: {}, context: input },
          { tool, input, context },
          input,
        ]) {
          const issue = callIssue(call);
          if (issue?.limit) expect(LIMIT_NAMES.has(issue.limit)).toBe(true);
          if (issue) expect(issue.message).toEqual(expect.any(String));
        }
        const issue = callIssue({ tool: 'read_file', input });
        const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
        const violation = isObject ? checkValueLimits(input, INPUT_LIMITS.input) : undefined;
        expect(issue?.limit).toBe(violation ? `input.${violation.limit}` : undefined);
        expect(issue === undefined).toBe(isObject && violation === undefined);
      }),
      { numRuns: 60 },
    );
  });

  test('depth: refused exactly when deeper than input.maxDepth, naming it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50_000 }), (depth) => {
        const issue = callIssue({ tool: 't', input: nested(depth) });
        expect(issue?.limit).toBe(depth > INPUT_LIMITS.input.maxDepth ? 'input.maxDepth' : undefined);
      }),
      { numRuns: 80 },
    );
  });

  test('with limits off, only the shape is checked (what released workflow code checked)', () => {
    expect(callProblem({ tool: 't', input: nested(5000) }, { limits: false })).toBeUndefined();
    expect(callProblem({ tool: 't', input: [] }, { limits: false })).toContain('an array');
    expect(callProblem({ tool: 't'.repeat(129), input: {} }, { limits: false })).toContain('limit toolNameLength');
    expect(
      approvalIssue({ by: 'a', modifiedInput: nested(100), groups: Array(99).fill('g') }, false, { limits: false }),
    ).toBeUndefined();
  });
});

describe('callIdIssue', () => {
  test.each([
    ['refund-u42-1', 'refund-u42-1', undefined],
    ['batch-1/7', 'batch-1/7', undefined],
    ['user@example.com:a+b=c_d.e', 'user@example.com:a+b=c_d.e', undefined],
    ['256 characters', 'c'.repeat(256), undefined],
    ['257 characters', 'c'.repeat(257), 'callIdLength'],
  ])('%s', (_name, id, limit) => {
    expect(callIdIssue(id)?.limit).toBe(limit);
    expect(callIdIssue(id) === undefined).toBe(limit === undefined && id.length <= 256);
  });

  test.each([["a'b"], ['a b'], ['a\nb'], ['a"b'], ['é'], ['a\\b'], ['']])('%j is refused without a limit', (id) => {
    expect(callIdIssue(id)).toEqual({ message: expect.any(String) });
  });
});

describe('batchItemIssue', () => {
  test('arbitrary items: never throws; a valid item is one a call accepts', () => {
    fc.assert(
      fc.property(json, hostile, (tool, input) => {
        for (const item of [{ tool: 'lookup', input }, { tool, input }, input]) {
          const issue = batchItemIssue(item);
          if (issue?.limit) expect(LIMIT_NAMES.has(issue.limit)).toBe(true);
          if (!issue) expect(callIssue(item)).toBeUndefined();
        }
      }),
      { numRuns: 40 },
    );
  });

  test('a refused item carries its reason and limit, bounded', () => {
    const issue = batchItemIssue({ tool: 't', input: nested(100) });
    expect(issue?.limit).toBe('input.maxDepth');
    expect(batchItemIssue(refusedItem(issue!))).toEqual(issue);
    expect(batchItemIssue({ tool: 't', input: {}, refused: { message: 'm'.repeat(5000), limit: 3 } })).toEqual({
      message: 'm'.repeat(1000),
    });
  });
});
