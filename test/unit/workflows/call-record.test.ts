import { CALL_RECORD_LIMIT, callRecord, recordMemo } from '../../../src/workflows/call-record';

describe('callRecord', () => {
  test('keeps the tool, input, context, tool schema and policy version, and nothing else of the call', () => {
    const call = {
      tool: 'process_refund',
      input: { amount: 40 },
      context: { agent: 'a-1' },
      toolSchema: { type: 'object' },
      execute: true,
      escalationTimeoutMs: 1000,
      batchItem: { batchWorkflowId: 'b', index: 3 },
    };
    expect(callRecord(call, 'v1')).toEqual({
      tool: 'process_refund',
      input: { amount: 40 },
      context: { agent: 'a-1' },
      toolSchema: { type: 'object' },
      policyVersion: 'v1',
    });
    expect(callRecord({ tool: 't', input: {} }, undefined)).toEqual({ tool: 't', input: {} });
  });

  test('a record over the limit is not kept, one at the limit is', () => {
    const base = JSON.stringify({ tool: 't', input: { s: '' }, policyVersion: 'v' }).length;
    const at = { tool: 't', input: { s: 'x'.repeat(CALL_RECORD_LIMIT - base) } };
    expect(callRecord(at, 'v')).toBeDefined();
    expect(callRecord({ tool: 't', input: { s: 'x'.repeat(CALL_RECORD_LIMIT - base + 1) } }, 'v')).toBeUndefined();
    // Counted in characters of JSON: escapes count as written.
    expect(callRecord({ tool: 't', input: { s: '"'.repeat(CALL_RECORD_LIMIT / 2) } }, 'v')).toBeUndefined();
  });
});

describe('recordMemo', () => {
  const record = { tool: 't', input: {} };
  test('the record, and null for what a start memo claimed and the decision does not write', () => {
    expect(recordMemo(record, undefined)).toEqual({ call: record });
    expect(recordMemo(undefined, {})).toEqual({});
    expect(recordMemo(undefined, { call: { tool: 'x', input: {} }, decidedBy: { kind: 'human' }, note: 1 })).toEqual({
      call: null,
      decidedBy: null,
    });
    expect(recordMemo(record, { call: 'forged' })).toEqual({ call: record });
  });
});
