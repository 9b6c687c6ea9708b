/**
 * Every coded error of durable-guard, once: the workflow's `ApplicationFailure` types, the client's error codes and
 * the approval API's answers. `status` is the HTTP status of a code the API answers with itself (absent for codes
 * that never reach an HTTP answer as they are); `message` builds the explanation where workflow, client and API
 * say the same thing. Pure and deterministic: workflow code imports it.
 */

/** One entry of {@link GUARD_ERRORS}. */
export interface GuardErrorEntry {
  /** The HTTP status the approval API answers with, for codes it answers with. */
  readonly status?: number;
  readonly description: string;
  /** The message workflow, client and API share, for codes raised in more than one place. */
  readonly message?: (...args: never[]) => string;
}

const decidedVerb = (action: string | undefined) => (action === 'block' ? 'denied' : 'approved');

/** The coded errors, by code. */
export const GUARD_ERRORS = {
  GUARD_INVALID_REQUEST: { status: 400, description: 'malformed request: the body, query or path failed its schema' },
  GUARD_INVALID_APPROVAL: {
    status: 400,
    description: 'the decision payload was refused by the workflow validator',
    message: (id: string, problem: string) => `invalid approval for ${id}: ${problem}`,
  },
  GUARD_INPUT_LIMIT: {
    status: 400,
    description: 'the body (or its modifiedInput) is over a structural limit: depth, size, entries or string length',
  },
  GUARD_LINK_MALFORMED: { status: 400, description: 'the approval link token is not a token' },
  GUARD_UNAUTHORIZED: { status: 401, description: 'no or an unknown bearer token' },
  GUARD_FORBIDDEN: { status: 403, description: "the approver is in none of the escalating rule's approver groups" },
  GUARD_SELF_APPROVAL: {
    status: 403,
    description:
      "the approver is the call's requester (context.caller or context.agent): no one approves their own call",
    message: (id: string, by: string) =>
      `${by} may not approve ${id}: it is the call's requester (context.caller or context.agent); ` +
      'another approver must decide',
  },
  GUARD_LINK_FORGED: { status: 403, description: 'the approval link signature does not match' },
  GUARD_ESCALATION_NOT_FOUND: {
    status: 404,
    description: 'no guarded call with this ID',
    message: (id: string) => `no guarded call with ID ${id}`,
  },
  GUARD_BULK_DECISION_NOT_FOUND: { status: 404, description: 'no bulk decision with this ID' },
  GUARD_GRANT_NOT_FOUND: { status: 404, description: 'no standing grant with this ID' },
  GUARD_ROUTE_NOT_FOUND: { status: 404, description: 'no such route' },
  GUARD_LINKS_DISABLED: { status: 404, description: 'approval links are off: DURABLE_GUARD_LINK_SECRET is not set' },
  GUARD_METHOD_NOT_ALLOWED: { status: 405, description: 'the route exists but not with this method (see Allow)' },
  GUARD_REQUEST_TIMEOUT: { status: 408, description: 'the request was not received in time' },
  GUARD_ALREADY_DECIDED: {
    status: 409,
    description: 'the escalation was already decided, or is being decided',
    /** `in-flight`: another approver's decision is being applied; `action` absent: decided, how is unknown. */
    message: (id: string, how: 'in-flight' | { by?: string; action?: string; at?: string }) =>
      how === 'in-flight'
        ? `escalation ${id} is being decided by another approver`
        : `escalation ${id} was already ${how.action === undefined ? 'decided' : decidedVerb(how.action)}` +
          `${how.by ? ` by ${how.by}` : ''}${how.at ? ` at ${how.at}` : ''}`,
  },
  GUARD_NOT_PENDING: {
    status: 409,
    description: 'the policy is still deciding the call',
    message: (id: string) => `call ${id} is still being decided by the policy`,
  },
  GUARD_NOT_ESCALATED: {
    status: 409,
    description: 'the call was decided by the policy, not escalated',
    message: (id: string, action?: string) => `call ${id} was not escalated: the policy decided ${action ?? 'it'}`,
  },
  GUARD_ALREADY_VOTED: {
    status: 409,
    description: 'the approver already decided this quorum escalation: each approver counts once',
    message: (id: string, by: string, vote: { decision: 'approve' | 'deny'; at: string }) =>
      `${by} already ${vote.decision === 'approve' ? 'approved' : 'denied'} ${id} at ${vote.at}: a quorum counts ` +
      `each approver once${vote.decision === 'approve' ? ' (a deny withdraws the approval)' : ''}`,
  },
  GUARD_LINK_USED: { status: 409, description: 'the approval link was used already; each link decides once' },
  GUARD_CALL_ID_CONFLICT: { status: 409, description: 'the callId is already used by a different call' },
  GUARD_EXTEND_REFUSED: {
    status: 409,
    description: "the approval window cannot be extended that far: past the rule's maxWindow, or it sets none",
    message: (id: string, problem: string) => `cannot extend the approval window of ${id}: ${problem}`,
  },
  GUARD_GRANT_NOT_LIVE: {
    status: 409,
    description: 'the standing grant was revoked or has expired already',
    message: (id: string, state: string) => `grant ${id} is ${state} already: it decides nothing more`,
  },
  GUARD_NO_ESCALATION_FOR_GRANT: {
    status: 409,
    description:
      "no pending escalation of the grant's tool and rule to take the rule's approver groups and maxGrant from",
  },
  GUARD_GRANT_TOO_LONG: {
    status: 400,
    description: "the grant's expiry is beyond the rule's maxGrant (default 24h)",
  },
  GUARD_TIMED_OUT: {
    status: 410,
    description: 'the approval window closed',
    message: (id: string, at?: string) => `escalation ${id} timed out at ${at ?? 'its deadline'}`,
  },
  GUARD_LINK_EXPIRED: { status: 410, description: 'the approval link expired' },
  GUARD_PAYLOAD_TOO_LARGE: { status: 413, description: 'the request body is over the limit' },
  GUARD_URI_TOO_LONG: { status: 414, description: 'the URL is over the length limit' },
  GUARD_UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'the body is not application/json' },
  GUARD_EDIT_REFUSED: {
    status: 422,
    description: 'the policy refuses the edited input',
    message: (reason?: string) => `edited input refused by the policy: ${reason ?? 'blocked'}`,
  },
  GUARD_QUORUM_EDIT_REFUSED: {
    status: 422,
    description: 'an approval of a call that needs several approvers cannot edit the input',
    message: (id: string, count: number) =>
      `approvals of ${id} cannot edit the input: the rule needs ${count} approvers and the others approve the ` +
      'input as it is; deny with the change as the reason, and let the caller send the changed call',
  },
  GUARD_TOO_MANY_DECISIONS: { status: 429, description: 'too many decisions in flight on this escalation' },
  GUARD_HEADERS_TOO_LARGE: { status: 431, description: 'the request headers are over the size limit' },
  GUARD_INTERNAL: {
    status: 500,
    description: 'an unexpected error; the API log has the details under the requestId of the answer',
  },
  GUARD_TEMPORAL_UNAVAILABLE: { status: 503, description: 'Temporal cannot be reached' },

  // Codes that never reach an HTTP answer as they are (the API maps the first one to GUARD_FORBIDDEN).
  GUARD_APPROVER_NOT_ALLOWED: {
    description: "the decision carries none of the escalating rule's approver groups (the API answers GUARD_FORBIDDEN)",
  },
  GUARD_INVALID_CALL: { description: 'the call is malformed (not a tool name and an input object)' },
  GUARD_TOOL_FAILED: {
    description: 'the guard allowed an execute-mode call but the tool failed for good',
    message: (tool: string, problem: string) => `tool '${tool}' failed: ${problem}`,
  },
  GUARD_UNKNOWN_TOOL: {
    description: 'an execute-mode call names a tool this worker has not registered',
    message: (tool: string) => `unknown tool '${tool}' on this worker`,
  },
  GUARD_UNKNOWN_CHANNEL: { description: 'a notification names a channel no webhook target is configured for' },
  GUARD_WEBHOOK_REJECTED: {
    description: 'a webhook target answered 3xx or 4xx (not 408/425/429): retrying cannot help',
  },
  GUARD_INPUT_MISMATCH: {
    description: "the input about to run does not hash to the receipt's inputHash: the tool is not run",
    message: (tool: string, expected: string, actual: string) =>
      `refusing to run '${tool}': its input hashes to ${actual}, the decision's receipt approved ${expected}`,
  },
  GUARD_RECEIPT_INVALID: {
    description: 'a receipt failed verification: its signature, its key or its input hash',
  },
  GUARD_RECEIPT_KEYS_MISSING: {
    description:
      'a worker without DURABLE_GUARD_RECEIPT_KEYS was asked to sign a receipt: give every worker of the task queue the same keys',
  },
  GUARD_INVALID_BATCH: { description: 'the batch input is malformed or over a limit' },
  GUARD_INVALID_BULK_DECISION: { description: 'a bulkDecision start input is malformed or over a limit' },
  GUARD_BATCH_UNREADABLE: { description: "the worker cannot read the batch's file" },
  GUARD_BATCH_HISTORY_FULL: {
    description: "a batch item's report waits until the batch has continued as new (retried, never final)",
  },
  GUARD_UNAVAILABLE: { description: 'Temporal or every worker did not answer in time: no decision was made' },
  GUARD_VISIBILITY_UNAVAILABLE: {
    description:
      'the Temporal server does not list workflows (no visibility, e.g. the time-skipping test server): bulk ' +
      "decisions and a grant's sweep cannot find escalations there",
  },
  GUARD_DECISION_BUDGET: { description: 'a policy decision ran over its time or scan budget' },
} as const satisfies Record<string, GuardErrorEntry>;

/** A code of {@link GUARD_ERRORS}. */
export type GuardErrorCode = keyof typeof GUARD_ERRORS;

type Table = typeof GUARD_ERRORS;

/** The codes the approval API answers with: those with an HTTP status. */
export type HttpErrorCode = { [C in GuardErrorCode]: Table[C] extends { status: number } ? C : never }[GuardErrorCode];

/** The codes with a shared message. */
export type MessageCode = { [C in GuardErrorCode]: Table[C] extends { message: unknown } ? C : never }[GuardErrorCode];

type MessageArgs<C extends MessageCode> = Table[C] extends { message: (...args: infer A) => string } ? A : never;

/** The shared message of a code, e.g. `guardMessage('GUARD_TIMED_OUT', id, expiresAt)`. */
export function guardMessage<C extends MessageCode>(code: C, ...args: MessageArgs<C>): string {
  const build = GUARD_ERRORS[code].message as unknown as (...a: MessageArgs<C>) => string;
  return build(...args);
}

/** The entries with an HTTP status, in table order. */
export const HTTP_ERRORS = Object.fromEntries(
  Object.entries(GUARD_ERRORS).flatMap(([code, entry]: [string, GuardErrorEntry]) =>
    entry.status === undefined ? [] : [[code, { status: entry.status, description: entry.description }]],
  ),
) as { [C in HttpErrorCode]: { status: Table[C]['status']; description: string } };

/** Whether a string is one of our codes. */
export function isGuardErrorCode(code: unknown): code is GuardErrorCode {
  return typeof code === 'string' && Object.hasOwn(GUARD_ERRORS, code);
}
