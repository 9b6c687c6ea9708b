import { randomBytes } from 'node:crypto';
import { auditRecord } from '../../../src/audit/audit-record';
import { loadReceiptKeys } from '../../../src/receipts/receipt-keys';
import { signReceipt } from '../../../src/receipts/sign-receipt';
import type { VisibilityRow } from '../../../src/recorded/visibility-rows';
import type { GuardResult } from '../../../src/workflows/definitions';
import { receiptBody } from '../../../src/workflows/receipt';

const keys = loadReceiptKeys({ DURABLE_GUARD_RECEIPT_KEYS: `u1:${randomBytes(32).toString('base64')}` })!;
const row: VisibilityRow = {
  workflowId: 'call-1',
  runId: 'run-1',
  startTime: new Date('2026-12-01T10:00:00.000Z'),
  closeTime: new Date('2026-12-01T10:05:00.000Z'),
  running: false,
  tool: 'refund',
  batch: 'b1',
};
const call = { tool: 'refund', input: { amount: 9000 } };
const base: GuardResult = {
  action: 'modify',
  modifiedInput: { amount: 5000 },
  rulesTriggered: [{ id: 'cap', action: 'modify', mode: 'enforce' }],
  escalationId: 'call-1',
  decidedBy: { kind: 'human', identity: 'alice', at: '2026-12-01T10:04:00.000Z' },
  policyVersion: 'v1',
};
const signed = (result: GuardResult) => ({
  ...result,
  receipt: signReceipt(keys, receiptBody(result, 'refund', result.modifiedInput ?? call.input)),
});

test('a line carries the decision, the input the receipt binds, and receiptValid with keys', () => {
  const result = signed(base);
  expect(auditRecord(row, { call, result, startedAt: undefined }, keys)).toEqual({
    auditVersion: 1,
    escalationId: 'call-1',
    runId: 'run-1',
    tool: 'refund',
    batch: 'b1',
    action: 'modify',
    decidedBy: base.decidedBy,
    rulesTriggered: base.rulesTriggered,
    policyVersion: 'v1',
    startTime: '2026-12-01T10:00:00.000Z',
    closeTime: '2026-12-01T10:05:00.000Z',
    input: { amount: 5000 },
    receipt: result.receipt,
    receiptValid: true,
  });
});

test('without keys no receiptValid; without a receipt null; a receipt for another input is invalid', () => {
  expect(auditRecord(row, { call, result: signed(base), startedAt: undefined })).not.toHaveProperty('receiptValid');
  const plain = auditRecord(row, { call, result: base, startedAt: undefined }, keys);
  expect([plain.receipt, plain.receiptValid]).toEqual([null, null]);
  const other = { ...signed({ ...base, modifiedInput: { amount: 1 } }), modifiedInput: { amount: 5000 } };
  const bad = auditRecord(row, { call, result: other, startedAt: undefined }, keys);
  expect(bad.receiptValid).toBe(false);
  expect(bad.receiptProblems?.[0]).toMatch(/the receipt binds .*: it is not the approved input/);
});

test('a completed run without a guard result is an error naming it', () => {
  expect(() => auditRecord(row, { call, result: undefined, startedAt: undefined })).toThrow(
    'call-1: the completed run has no guard result in its history',
  );
});
