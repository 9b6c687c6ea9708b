/** Patch IDs of released workflow paths changed since (`patched()`); one ID per released change set. */

/** Hostile-input hardening of guardedCall: input limits, call fingerprints, approver groups required. */
export const HOSTILE_INPUT_PATCH = 'hostile-input';

/** Quorum (several approvers per call) and the refusal of a requester's approval of its own call, by signal. */
export const QUORUM_PATCH = 'quorum';

/** Signed receipts of final decisions, and the check of the input to run against the receipt's hash. */
export const RECEIPT_PATCH = 'receipt';
