/** Patch IDs of released workflow paths changed since (`patched()`); one ID per released change set. */

/** Hostile-input hardening of guardedCall: input limits, call fingerprints, approver groups required. */
export const HOSTILE_INPUT_PATCH = 'hostile-input';

/** The caller's tool schema joins the call's fingerprint (asked only for calls that give one). */
export const SCHEMA_FINGERPRINT_PATCH = 'schema-fingerprint';

/** bulkDecision checks its own start input (a start through the Temporal CLI bypasses the API and client). */
export const BULK_INPUT_PATCH = 'bulk-input-checked';

/** Escalation ladders (reminders, routing, onTimeout, extensions): asked only for a rule that has one. */
export const ESCALATION_LADDER_PATCH = 'escalation-ladder';

/** Quorum (several approvers per call) and the refusal of a requester's approval of its own call, by signal. */
export const QUORUM_PATCH = 'quorum';

/** Signed receipts of final decisions, and the check of the input to run against the receipt's hash. */
export const RECEIPT_PATCH = 'receipt';

/** Standing grants: an escalation asks the live grants of its tool and rules to decide it. */
export const STANDING_GRANTS_PATCH = 'standing-grants';

/** A batch item reports to its batch through a local activity that holds reports while the batch is full. */
export const BATCH_REPORT_GATED_PATCH = 'batch-report-gated';

/**
 * The first generation of guardedCall's changes asked once at start (patches-at-start.ts): every patch above but
 * bulk-input-checked (bulkDecision's). A patch asked after the policy's local activity could answer differently on
 * replay; a new change of guardedCall joins a new generation there.
 */
export const CALL_CHANGES_PATCH = 'call-changes-at-start';

/** The standing-grant lookup of an escalation runs as a local activity before the wait, the workflow deciding itself. */
export const GRANT_LOOKUP_LOCAL_PATCH = 'grant-lookup-local';

/** The second generation (patches-at-start.ts): the first one's patches, and grant-lookup-local. */
export const CALL_CHANGES_2_PATCH = 'call-changes-at-start-2';

/** `policyDecision` answers a final decision once it is settled: with its receipt when receipts are on. */
export const RECEIPT_ANSWER_PATCH = 'receipt-in-answer';

/** The third generation (patches-at-start.ts): the second one's patches, and receipt-in-answer. */
export const CALL_CHANGES_3_PATCH = 'call-changes-at-start-3';

/** A decision by a worker with a shadow policy records the shadow's decision (`GuardShadowAction`, memo, span). */
export const SHADOW_DECISION_PATCH = 'shadow-decision';

/** The fourth generation (patches-at-start.ts): the third one's patches, and shadow-decision. */
export const CALL_CHANGES_4_PATCH = 'call-changes-at-start-4';

/**
 * An approval wait wakes only once every message handler has finished, so a `decide` update's completion is always
 * recorded before the commands that follow the decision (the timer's cancellation first): with or without workflow
 * interceptors, which add yield points to a handler (the OpenTelemetry ones do), the history is the same.
 */
export const HANDLERS_BEFORE_WAKE_PATCH = 'handlers-before-wake';

/** The fifth generation (patches-at-start.ts): the fourth one's patches, and handlers-before-wake. */
export const CALL_CHANGES_5_PATCH = 'call-changes-at-start-5';

/**
 * A channel the worker can deliver nowhere (no webhook and no local outbox) gets no notification workflow: the
 * decision names such channels (`undeliverable`), and the call starts no child for them, so an escalation under a
 * policy whose channel is not configured costs no extra workflows and workflow tasks.
 */
export const UNDELIVERABLE_CHANNELS_PATCH = 'skip-undeliverable-channels';

/** The sixth generation (patches-at-start.ts): the fifth one's patches, and skip-undeliverable-channels. */
export const CALL_CHANGES_6_PATCH = 'call-changes-at-start-6';

/**
 * The decision's memo also records the call as decided (`call`: tool, input, context, tool schema) and the policy
 * version, so `policy backtest` reads a call from its visibility row alone instead of its history; a call whose
 * record would exceed RECORD_MEMO_LIMIT characters of JSON records none (the backtest reads its history).
 */
export const BACKTEST_MEMO_PATCH = 'backtest-memo';

/** The seventh generation (patches-at-start.ts): the sixth one's patches, and backtest-memo. */
export const CALL_CHANGES_7_PATCH = 'call-changes-at-start-7';
