/** Client side of durable-guard: guard calls, resolve escalations. */
export { GuardClient, type ApprovalOptions, type CheckOptions, type GuardClientOptions } from './guard-client';
export { GrantClient, GrantError, type CreateGrantRequest, type GrantErrorCode } from './grant-client';
export { BulkDecisionClient, BulkDecisionError, BULK_DECISION_TYPE, type BulkDecisionRequest } from './bulk-decisions';
export {
  GuardApprovalError,
  GuardBlocked,
  GuardCallIdConflict,
  GuardInputError,
  GuardToolFailed,
  GuardUnavailable,
  type ApprovalErrorCode,
  type InputErrorCode,
  type BlockedCall,
  type GuardOperation,
  type GuardUnavailableFields,
  type UnavailableReason,
} from './errors';
export {
  BatchClient,
  countLines,
  MAX_INLINE_BATCH_BYTES,
  type BatchClientOptions,
  type BatchItemResult,
  type SubmitBatchOptions,
} from './batch-client';
