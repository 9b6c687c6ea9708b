/**
 * Decision receipts: what a final decision proves (which exact input, under which policy, decided by whom). Pure
 * and deterministic: the workflow builds the body, an activity signs it (the private key never enters workflow
 * code or history), and anyone with the public key verifies it (src/receipts/).
 */
import type { GuardResult, QuorumVote } from './definitions';
import { sha256Hex } from './fingerprint';

/** The signature of a receipt: Ed25519 over the canonical JSON of the receipt without `signature`. */
export interface ReceiptSignature {
  alg: 'Ed25519';
  /** The id of the signing key (`DURABLE_GUARD_RECEIPT_KEYS`). */
  keyId: string;
  /** Base64 of the 64-byte signature. */
  value: string;
}

/** One ladder step the approval window took before the decision (kind, time and its details). */
export interface ReceiptLadderStep {
  kind: string;
  at: string;
  [detail: string]: unknown;
}

/** A signed record of one final decision. */
export interface Receipt {
  version: 1;
  escalationId: string;
  tool: string;
  /** SHA-256 hex of the canonical JSON (RFC 8785 form) of the input that will run. */
  inputHash: string;
  policyVersion?: string;
  /** Ids of the rules that fired. */
  rules: string[];
  decision: {
    action: GuardResult['action'];
    /** policy, human, timeout (or grant). */
    kind: string;
    at: string;
    reason?: string;
  };
  /** Every approver whose vote counted, with groups and time (one for a single approval, none for policy). */
  approvers: QuorumVote[];
  /** Ladder steps taken (reminders, routes, escalations, extensions), in order. */
  ladderSteps: ReceiptLadderStep[];
  signature?: ReceiptSignature;
}

/** A receipt before signing. */
export type ReceiptBody = Omit<Receipt, 'signature'>;

/** The input hash a receipt binds: SHA-256 of the canonical JSON of the input that will run. */
export function inputHash(input: Record<string, unknown>): string {
  return sha256Hex(input);
}

/**
 * The receipt body of a final result; `input` is the input that will run (the approved edit, else the call's), and
 * `ladderSteps` the steps the approval window took.
 */
export function receiptBody(
  result: GuardResult,
  tool: string,
  input: Record<string, unknown>,
  ladderSteps: readonly ReceiptLadderStep[] = [],
): ReceiptBody {
  const by = result.decidedBy;
  const approvers: QuorumVote[] = result.approvals
    ? result.approvals.approvals.map((v) => ({ ...v }))
    : by?.kind === 'human' && result.action !== 'block' && by.identity
      ? [{ by: by.identity, groups: [], at: by.at }]
      : [];
  return {
    version: 1,
    escalationId: result.escalationId ?? '',
    tool,
    inputHash: inputHash(input),
    ...(result.policyVersion !== undefined ? { policyVersion: result.policyVersion } : {}),
    rules: result.rulesTriggered.map((r) => r.id),
    decision: {
      action: result.action,
      kind: by?.kind ?? 'policy',
      at: by?.at ?? '',
      ...(result.reason !== undefined ? { reason: result.reason } : {}),
    },
    approvers,
    ladderSteps: ladderSteps.map((step) => ({ ...step })),
  };
}
