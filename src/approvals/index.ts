/** Approvals from outside Temporal: signed one-click links, their single-use store, approver identities. */
export { ApprovalLinkError, createApprovalLinkSigner, LINK_TTL_MS } from './approval-links';
export type {
  ApprovalLinkClaims,
  ApprovalLinkErrorCode,
  ApprovalLinkSigner,
  ApprovalLinkSignerOptions,
  LinkDecision,
  VerifiedApprovalLink,
} from './approval-links';
export { channelLinkFor, type LinkChannel } from './channel-links';
export { FileUsedLinkStore, MemoryUsedLinkStore } from './used-link-store';
export type { UsedLinkStore } from './used-link-store';
export {
  APPROVER_TOKENS_ENV,
  APPROVERS_FILE_ENV,
  createApproverRegistry,
  loadApprovers,
  mayApprove,
  parseApproverTokens,
  parseApproversFile,
} from './approvers';
export type { Approver, ApproverEntry, ApproverRegistry } from './approvers';
export { CALLER_TOKENS_ENV, createCallerRegistry, loadCallers, parseCallerTokens } from './callers';
export type { Caller, CallerRegistry } from './callers';
