/** Errors the client raises; match on `name` or `code` across realms, not on `instanceof`. */
import type { RuleHit } from '../policy/types';

/** Thrown by {@link GuardClient.run} (and integrations) when the guard blocks a call. */
export class GuardBlocked extends Error {
  override name = 'GuardBlocked';
  /** The blocked tool. */
  readonly tool: string;
  readonly reason: string;
  readonly rulesTriggered: RuleHit[];
  /** The guarded call's workflow ID. */
  readonly escalationId?: string;

  constructor(
    fields: { tool: string; reason?: string; rulesTriggered: RuleHit[]; escalationId?: string },
    options?: { cause?: unknown },
  ) {
    const reason = fields.reason ?? 'blocked by policy';
    super(`tool '${fields.tool}' blocked: ${reason}`, options);
    this.tool = fields.tool;
    this.reason = reason;
    this.rulesTriggered = fields.rulesTriggered;
    this.escalationId = fields.escalationId;
  }
}

/** A call or approval the client refuses before anything reaches Temporal: the message names the problem. */
export class GuardInputError extends Error {
  override name = 'GuardInputError';
}

/** Why an approval or denial was refused. */
export type ApprovalErrorCode =
  | 'GUARD_ESCALATION_NOT_FOUND'
  | 'GUARD_ALREADY_DECIDED'
  | 'GUARD_TIMED_OUT'
  | 'GUARD_NOT_ESCALATED'
  | 'GUARD_NOT_PENDING'
  | 'GUARD_INVALID_APPROVAL'
  | 'GUARD_APPROVER_NOT_ALLOWED'
  | 'GUARD_EDIT_REFUSED';

/** An approve/deny that did not take effect; `code` says why (already decided, timed out, ...). */
export class GuardApprovalError extends Error {
  override name = 'GuardApprovalError';
  readonly code: ApprovalErrorCode;
  readonly escalationId: string;

  constructor(code: ApprovalErrorCode, escalationId: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.escalationId = escalationId;
  }
}

/** The guard allowed an execute-mode call but the tool itself failed for good. */
export class GuardToolFailed extends Error {
  override name = 'GuardToolFailed';
  readonly tool: string;
  readonly callId: string;

  constructor(tool: string, callId: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.tool = tool;
    this.callId = callId;
  }
}
