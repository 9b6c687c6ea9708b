import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import fc from 'fast-check';
import { GuardClient, type GuardInputError } from '../../../src/client';
import { INPUT_LIMITS } from '../../../src/workflows/input-limits';

// A real client on an address where nothing listens: a call that got as far as a start would be recorded here.
const starts: string[] = [];
const recordStart: WorkflowClientInterceptor = {
  async start(input, next) {
    starts.push(input.workflowType);
    return next(input);
  },
  async startWithDetails(input, next) {
    starts.push(input.workflowType);
    return next(input);
  },
};
const guard = new GuardClient({
  client: new Client({
    connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 100 }),
    interceptors: { workflow: [recordStart] },
  }),
});

afterEach(() => expect(starts.splice(0)).toEqual([]));

function nested(depth: number, leaf: unknown = 1): Record<string, unknown> {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = { k: value };
  return value as Record<string, unknown>;
}

async function refusal(promise: Promise<unknown>): Promise<GuardInputError> {
  return promise.then(
    () => {
      throw new Error('expected GuardInputError');
    },
    (err: unknown) => err as GuardInputError,
  );
}

const { input, context } = INPUT_LIMITS;

/** Values over exactly one limit, each with the limit it breaks; wrapped in arbitrary JSON around them. */
const overLimit = fc.oneof(
  fc
    .integer({ min: input.maxDepth + 1, max: 20_000 })
    .map((depth) => ({ input: nested(depth), limit: 'input.maxDepth' })),
  fc
    .integer({ min: input.maxStringLength + 1, max: input.maxStringLength + 1000 })
    .map((n) => ({ input: { text: 'é'.repeat(n) }, limit: 'input.maxStringLength' })),
  fc.constant({ input: { ['k'.repeat(input.maxStringLength + 1)]: 1 }, limit: 'input.maxStringLength' }),
  fc
    .integer({ min: input.maxEntries + 1, max: input.maxEntries + 10 })
    .map((n) => ({ input: { list: new Array<number>(n).fill(0) }, limit: 'input.maxEntries' })),
  fc.constant({
    input: { a: 'x'.repeat(input.maxStringLength), b: 'y'.repeat(input.maxStringLength) },
    limit: 'input.maxBytes',
  }),
);

test.each([
  ['input nested 5,000 levels', { input: nested(5000) }, 'input.maxDepth'],
  ['a context nested 17 levels', { input: {}, context: nested(context.maxDepth + 1) }, 'context.maxDepth'],
  [
    'a long context string',
    { input: {}, context: { agent: 'a'.repeat(context.maxStringLength + 1) } },
    'context.maxStringLength',
  ],
  ['a tool name of 129 characters', { tool: 't'.repeat(129), input: {} }, 'toolNameLength'],
  ['a callId of 257 characters', { input: {}, callId: 'c'.repeat(257) }, 'callIdLength'],
])('%s: GuardInputError GUARD_INPUT_LIMIT %s', async (_name, call, limit) => {
  const {
    tool = 'read_file',
    input: value,
    context: ctx,
    callId,
  } = call as {
    tool?: string;
    input: Record<string, unknown>;
    context?: Record<string, unknown>;
    callId?: string;
  };
  const err = await refusal(
    guard.check(tool, value, { ...(ctx ? { context: ctx } : {}), ...(callId ? { callId } : {}) }),
  );
  expect(err).toMatchObject({ name: 'GuardInputError', code: 'GUARD_INPUT_LIMIT', limit });
  expect(err.message).toContain(limit);
});

test.each([
  ['a tool name with a space', 'read file', {}, {}, 'tool must be a name'],
  ['an array as input', 'read_file', [], {}, 'an array'],
  ['a callId with a quote', 'read_file', {}, { callId: "a'b" }, `the character "'"`],
  ['an empty callId', 'read_file', {}, { callId: '' }, 'callId must not be empty'],
])('%s: GuardInputError GUARD_INVALID_CALL without a limit', async (_name, tool, value, options, text) => {
  const err = await refusal(guard.run(tool, value as Record<string, unknown>, options));
  expect(err).toMatchObject({
    name: 'GuardInputError',
    code: 'GUARD_INVALID_CALL',
    message: expect.stringContaining(text),
  });
  expect(err.limit).toBeUndefined();
});

test('arbitrary JSON around a value over a limit is refused naming that limit, never with another error', async () => {
  const key = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'prototype'),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
  );
  await fc.assert(
    fc.asyncProperty(
      overLimit,
      fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
      async (over, around) => {
        const err = await refusal(guard.check('read_file', { ...around, over: over.input }));
        expect(err.name).toBe('GuardInputError');
        expect(err.code).toBe('GUARD_INPUT_LIMIT');
        // Bytes are counted over the whole input: what is around the value may break maxBytes first only when it is itself large.
        expect(err.limit).toBe(over.limit);
        expect(err.message).toContain(`limit ${over.limit}`);
      },
    ),
    { numRuns: 60 },
  );
});

test('an approval over a limit is refused before anything is sent (GUARD_INVALID_APPROVAL naming the limit)', async () => {
  await expect(guard.approve('guard-x', { by: 'alice', modifiedInput: nested(5000) })).rejects.toMatchObject({
    name: 'GuardApprovalError',
    code: 'GUARD_INVALID_APPROVAL',
    message: expect.stringContaining('limit input.maxDepth'),
  });
  await expect(guard.deny('guard-x', { by: 'b'.repeat(257), reason: 'no' })).rejects.toMatchObject({
    code: 'GUARD_INVALID_APPROVAL',
    message: expect.stringContaining('limit approval.byLength'),
  });
  await expect(
    guard.approve('guard-x', { by: 'alice', groups: Array.from({ length: 65 }, (_, i) => `g${i}`) }),
  ).rejects.toMatchObject({
    code: 'GUARD_INVALID_APPROVAL',
    message: expect.stringContaining('limit approval.groups'),
  });
});
