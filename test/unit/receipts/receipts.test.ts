import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../src/activities/create-activities';
import { readReceiptFile } from '../../../src/receipts/read-receipt';
import { loadReceiptKeys, rawPublicKey } from '../../../src/receipts/receipt-keys';
import { signReceipt, verifyReceipt } from '../../../src/receipts/sign-receipt';
import type { GuardResult } from '../../../src/workflows/definitions';
import { inputHash, receiptBody, type Receipt } from '../../../src/workflows/receipt';

const seed = () => randomBytes(32).toString('base64');
const newKey = seed();
const oldKey = seed();
const keys = loadReceiptKeys({ DURABLE_GUARD_RECEIPT_KEYS: `2026-12:${newKey},2026-01:${oldKey}` })!;
const input = { amount: 25_000, user: 'u42' };
const approved: GuardResult = {
  action: 'allow',
  rulesTriggered: [{ id: 'very-big-refund', action: 'escalate', mode: 'enforce' }],
  escalationId: 'guard-1',
  policyVersion: 'abc123',
  reason: 'approved by alice, bob',
  decidedBy: { kind: 'human', identity: 'bob', at: '2026-12-01T10:00:00.000Z' },
  approvals: {
    required: 2,
    allOf: [],
    denyCount: 1,
    approvals: [
      { by: 'alice', groups: ['finance'], at: '2026-12-01T09:00:00.000Z' },
      { by: 'bob', groups: ['finance'], at: '2026-12-01T10:00:00.000Z' },
    ],
    denials: [],
    remaining: 0,
    missingGroups: [],
  },
};

test('the receipt body binds tool, input hash, policy, rules, decision and each approver', () => {
  const body = receiptBody(approved, 'process_refund', input);
  expect(body).toEqual({
    version: 1,
    escalationId: 'guard-1',
    tool: 'process_refund',
    inputHash: inputHash({ user: 'u42', amount: 25_000 }),
    policyVersion: 'abc123',
    rules: ['very-big-refund'],
    decision: { action: 'allow', kind: 'human', at: '2026-12-01T10:00:00.000Z', reason: 'approved by alice, bob' },
    approvers: approved.approvals!.approvals,
    ladderSteps: [],
  });
  expect(body.inputHash).toMatch(/^[0-9a-f]{64}$/);
  const single = receiptBody({ ...approved, approvals: undefined }, 'process_refund', input);
  expect(single.approvers).toEqual([{ by: 'bob', groups: [], at: '2026-12-01T10:00:00.000Z' }]);
  const policy = receiptBody({ action: 'block', rulesTriggered: [], decidedBy: { kind: 'policy', at: 'x' } }, 't', {});
  expect(policy).toMatchObject({ approvers: [], decision: { kind: 'policy', action: 'block' } });
});

test('the receipt lists the ladder steps the window took, in order', () => {
  const steps = [
    { kind: 'remind', at: '2026-12-01T13:00:00.000Z', expiresAt: '2026-12-04T09:00:00.000Z' },
    {
      kind: 'route',
      at: '2026-12-02T09:00:00.000Z',
      approverGroups: ['finance-leads'],
      expiresAt: '2026-12-04T09:00:00.000Z',
    },
  ];
  const body = receiptBody(approved, 'process_refund', input, steps);
  expect(body.ladderSteps).toEqual(steps);
  expect(body.ladderSteps[1]).not.toBe(steps[1]);
  const receipt = signReceipt(keys, body);
  expect(verifyReceipt(keys, receipt).signature).toBe('valid');
  expect(verifyReceipt(keys, { ...receipt, ladderSteps: steps.slice(1) }).signature).not.toBe('valid');
});

test('a signed receipt verifies; the input it ran matches, another input does not', () => {
  const receipt = signReceipt(keys, receiptBody(approved, 'process_refund', input));
  expect(receipt.signature).toMatchObject({ alg: 'Ed25519', keyId: '2026-12' });
  expect(verifyReceipt(keys, receipt, { user: 'u42', amount: 25_000 })).toEqual({
    signature: 'valid',
    input: 'matches',
    problems: [],
  });
  const changed = verifyReceipt(keys, receipt, { ...input, amount: 250_000 });
  expect(changed.input).toBe('differs');
  expect(changed.problems[0]).toMatch(/^the input hashes to [0-9a-f]{64}, the receipt binds [0-9a-f]{64}: it is not/);
});

type Tamperable = Receipt & { signature: { value: string } };

test.each([
  ['the decision', (r: Tamperable) => (r.decision.action = 'block')],
  ['an approver', (r: Tamperable) => r.approvers.pop()],
  ['the input hash', (r: Tamperable) => (r.inputHash = inputHash({ amount: 1 }))],
  ['the policy version', (r: Tamperable) => (r.policyVersion = 'other')],
  ['the signature', (r: Tamperable) => (r.signature.value = Buffer.alloc(64).toString('base64'))],
])('a receipt with %s changed is refused', (_, tamper) => {
  const receipt = structuredClone(signReceipt(keys, receiptBody(approved, 'process_refund', input)));
  tamper(receipt as Tamperable);
  expect(verifyReceipt(keys, receipt)).toEqual({
    signature: 'invalid',
    problems: ['the signature does not match the receipt: it was changed after signing'],
  });
});

test('rotation: the new key signs, receipts of the old key verify, also from its public key alone', () => {
  const before = loadReceiptKeys({ DURABLE_GUARD_RECEIPT_KEYS: `2026-01:${oldKey}` })!;
  const old = signReceipt(before, receiptBody(approved, 'process_refund', input));
  expect(old.signature?.keyId).toBe('2026-01');
  expect(verifyReceipt(keys, old).signature).toBe('valid');
  const auditor = loadReceiptKeys({
    DURABLE_GUARD_RECEIPT_PUBLIC_KEYS: `2026-01:${rawPublicKey(before.signing!.key)}`,
  })!;
  expect(auditor.signing).toBeUndefined();
  expect(verifyReceipt(auditor, old).signature).toBe('valid');
  expect(() => signReceipt(auditor, receiptBody(approved, 't', input))).toThrow(/DURABLE_GUARD_RECEIPT_KEYS/);
  const unknown = verifyReceipt(auditor, signReceipt(keys, receiptBody(approved, 't', input)));
  expect(unknown).toMatchObject({ signature: 'unknown-key', problems: [expect.stringContaining("key '2026-12'")] });
  expect(verifyReceipt(keys, receiptBody(approved, 't', input))).toMatchObject({ signature: 'unsigned' });
});

test.each([
  [{ DURABLE_GUARD_RECEIPT_KEYS: 'nokey' }, "DURABLE_GUARD_RECEIPT_KEYS entry 1: expected 'id:<base64 key>'"],
  [{ DURABLE_GUARD_RECEIPT_KEYS: 'k1:c2hvcnQ=' }, "key 'k1' must be standard base64 of exactly 32 bytes"],
  [{ DURABLE_GUARD_RECEIPT_KEYS: `bad id:${newKey}` }, "key id 'bad id' is invalid"],
  [{ DURABLE_GUARD_RECEIPT_KEYS: `a:${newKey},a:${oldKey}` }, "duplicate key id 'a'"],
])('bad keys are refused with the entry named: %j', (env, message) => {
  expect(() => loadReceiptKeys(env)).toThrow(message);
  expect(loadReceiptKeys({})).toBeUndefined();
});

test('the tool activity refuses an input that does not hash to the receipt', async () => {
  const ran: unknown[] = [];
  const activities = createActivities({
    decider: { decide: () => ({ action: 'allow', rulesTriggered: [], policyVersion: 'v' }) },
    tools: { refund: { run: async (i: Record<string, unknown>) => (ran.push(i), 'ok'), local: true } },
  });
  const base = { tool: 'refund', idempotencyKey: 'k', callId: 'c' };
  await expect(activities.runToolLocal({ ...base, input, inputHash: inputHash({ amount: 1 }) })).rejects.toMatchObject({
    type: 'GUARD_INPUT_MISMATCH',
    message: expect.stringContaining("refusing to run 'refund': its input hashes to"),
  });
  expect(ran).toEqual([]);
  const env = new MockActivityEnvironment();
  await expect(env.run(activities.runToolLocal, { ...base, input, inputHash: inputHash(input) })).resolves.toBe('ok');
  expect(ran).toEqual([input]);
});

test('a receipt file is read as a receipt, an export line or a result, and anything else is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'receipt-'));
  try {
    const receipt = signReceipt(keys, receiptBody(approved, 'process_refund', input));
    const write = (name: string, value: unknown) => {
      writeFileSync(join(dir, name), JSON.stringify(value));
      return join(dir, name);
    };
    expect(readReceiptFile(write('r.json', receipt))).toEqual({ receipt });
    expect(readReceiptFile(write('line.json', { receipt, input }))).toEqual({ receipt, input });
    expect(readReceiptFile(write('result.json', { ...approved, receipt })).receipt).toEqual(receipt);
    expect(() => readReceiptFile(write('bad.json', { ...receipt, inputHash: 'x' }))).toThrow(
      /bad\.json: not a receipt: inputHash: expected 64 hex digits/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
