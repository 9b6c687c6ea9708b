/**
 * Every error the approval API answers with: one coded table, each code with its HTTP status, as fastify
 * does with `FST_ERR_*`. Bodies are `{ error: { code, message } }`; the message names the problem and the fix.
 */

/** The coded errors of the approval API and their HTTP statuses. */
export const API_ERRORS = {
  GUARD_INVALID_REQUEST: { status: 400, description: 'malformed request: the body, query or path failed its schema' },
  GUARD_INVALID_APPROVAL: { status: 400, description: 'the decision payload was refused by the workflow validator' },
  GUARD_INPUT_LIMIT: {
    status: 400,
    description: 'the body (or its modifiedInput) is over a structural limit: depth, size, entries or string length',
  },
  GUARD_LINK_MALFORMED: { status: 400, description: 'the approval link token is not a token' },
  GUARD_UNAUTHORIZED: { status: 401, description: 'no or an unknown bearer token' },
  GUARD_FORBIDDEN: { status: 403, description: "the approver is in none of the escalating rule's approver groups" },
  GUARD_LINK_FORGED: { status: 403, description: 'the approval link signature does not match' },
  GUARD_ESCALATION_NOT_FOUND: { status: 404, description: 'no guarded call with this ID' },
  GUARD_BULK_DECISION_NOT_FOUND: { status: 404, description: 'no bulk decision with this ID' },
  GUARD_ROUTE_NOT_FOUND: { status: 404, description: 'no such route' },
  GUARD_LINKS_DISABLED: { status: 404, description: 'approval links are off: DURABLE_GUARD_LINK_SECRET is not set' },
  GUARD_METHOD_NOT_ALLOWED: { status: 405, description: 'the route exists but not with this method (see Allow)' },
  GUARD_REQUEST_TIMEOUT: { status: 408, description: 'the request was not received in time' },
  GUARD_ALREADY_DECIDED: { status: 409, description: 'the escalation was already decided, or is being decided' },
  GUARD_NOT_PENDING: { status: 409, description: 'the policy is still deciding the call' },
  GUARD_NOT_ESCALATED: { status: 409, description: 'the call was decided by the policy, not escalated' },
  GUARD_LINK_USED: { status: 409, description: 'the approval link was used already; each link decides once' },
  GUARD_CALL_ID_CONFLICT: { status: 409, description: 'the callId is already used by a different call' },
  GUARD_TIMED_OUT: { status: 410, description: 'the approval window closed' },
  GUARD_LINK_EXPIRED: { status: 410, description: 'the approval link expired' },
  GUARD_PAYLOAD_TOO_LARGE: { status: 413, description: 'the request body is over the limit' },
  GUARD_URI_TOO_LONG: { status: 414, description: 'the URL is over the length limit' },
  GUARD_UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'the body is not application/json' },
  GUARD_EDIT_REFUSED: { status: 422, description: 'the policy refuses the edited input' },
  GUARD_TOO_MANY_DECISIONS: { status: 429, description: 'too many decisions in flight on this escalation' },
  GUARD_HEADERS_TOO_LARGE: { status: 431, description: 'the request headers are over the size limit' },
  GUARD_INTERNAL: {
    status: 500,
    description: 'an unexpected error; the API log has the details under the requestId of the answer',
  },
  GUARD_TEMPORAL_UNAVAILABLE: { status: 503, description: 'Temporal cannot be reached' },
} as const satisfies Record<string, { status: number; description: string }>;

/** A code of {@link API_ERRORS}. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** The body of every error answer; `requestId` (also the `x-request-id` header) is set on 5xx answers. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; requestId?: string };
}

/** An error the API answers with its coded status; throw it from a route. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly statusCode: number;

  constructor(code: ApiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.statusCode = API_ERRORS[code].status;
  }

  /** @param requestId carried by 5xx answers, so a report can be matched with the API log */
  toBody(requestId?: string): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...(requestId ? { requestId } : {}) } };
  }
}

/** Whether a string is one of our codes (the workflow's and client's `GUARD_*` codes are a subset). */
export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && Object.hasOwn(API_ERRORS, code);
}
