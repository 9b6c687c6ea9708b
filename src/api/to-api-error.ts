import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { guardMessage } from '../workflows/error-codes';
import { API_ERRORS, ApiError, isApiErrorCode, type ApiErrorCode } from './errors';

/** fastify's own errors (`FST_ERR_*`) as our codes, each with the fix appended to fastify's message. */
const FRAMEWORK_CODES: Record<string, { code: ApiErrorCode; fix: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'GUARD_PAYLOAD_TOO_LARGE', fix: 'send a smaller body' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'GUARD_UNSUPPORTED_MEDIA_TYPE', fix: 'send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'GUARD_INVALID_REQUEST',
    fix: 'the content-length header must match the body',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'GUARD_INVALID_REQUEST',
    fix: 'send a JSON object such as {}, or no content-type header with an empty body',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'GUARD_INVALID_REQUEST', fix: 'send the body as one JSON object' },
  FST_ERR_BAD_URL: { code: 'GUARD_INVALID_REQUEST', fix: 'percent-encode the path as UTF-8 (RFC 3986)' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'GUARD_URI_TOO_LONG', fix: 'a path segment is over 4096 characters' },
};

/** The code of a client error by its status, for framework errors without a code of their own. */
function codeOfStatus(status: number): ApiErrorCode {
  const codes = Object.keys(API_ERRORS) as ApiErrorCode[];
  return codes.find((code) => API_ERRORS[code].status === status) ?? 'GUARD_INVALID_REQUEST';
}

/** The gRPC status somewhere in an error's cause chain (the SDK wraps service errors). */
export function grpcCodeOf(err: unknown): number | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

/** Whether Temporal refused for load, e.g. more than 10 updates in flight on one workflow. */
export function isResourceExhausted(err: unknown): boolean {
  return grpcCodeOf(err) === grpcStatus.RESOURCE_EXHAUSTED;
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  validation?: unknown;
  message: string;
}

/** Our client's errors, matched on `name` and `code` (across realms, and whatever version of the class). */
function clientError(err: unknown): ApiError | undefined {
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : '';
  switch (e?.name) {
    case 'GuardApprovalError':
      if (e.code === 'GUARD_APPROVER_NOT_ALLOWED') return new ApiError('GUARD_FORBIDDEN', message, { cause: err });
      if (isApiErrorCode(e.code)) return new ApiError(e.code, message, { cause: err });
      return undefined;
    case 'GuardInputError':
      return new ApiError(e.code === 'GUARD_INPUT_LIMIT' ? 'GUARD_INPUT_LIMIT' : 'GUARD_INVALID_REQUEST', message, {
        cause: err,
      });
    case 'GuardCallIdConflict':
      return new ApiError('GUARD_CALL_ID_CONFLICT', message, { cause: err });
    case 'GuardUnavailable':
      return new ApiError('GUARD_TEMPORAL_UNAVAILABLE', message, { cause: err });
    case 'ApprovalLinkError':
      return isApiErrorCode(e.code) ? new ApiError(e.code, message, { cause: err }) : undefined;
    default:
      return undefined;
  }
}

/** fastify's validation and content-type errors, and any other error fastify raises with a 4xx status. */
function frameworkError(err: unknown): ApiError | undefined {
  const e = err as FastifyLikeError;
  if (e?.validation) return new ApiError('GUARD_INVALID_REQUEST', `invalid request: ${e.message}`, { cause: err });
  const known = typeof e?.code === 'string' ? FRAMEWORK_CODES[e.code] : undefined;
  if (known) return new ApiError(known.code, `${e.message}: ${known.fix}`, { cause: err });
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 && typeof e.code === 'string') {
    return new ApiError(codeOfStatus(e.statusCode), `invalid request: ${e.message}`, { cause: err });
  }
  return undefined;
}

function temporalError(err: unknown): ApiError | undefined {
  if (err instanceof WorkflowNotFoundError) {
    return new ApiError('GUARD_ESCALATION_NOT_FOUND', guardMessage('GUARD_ESCALATION_NOT_FOUND', err.workflowId), {
      cause: err,
    });
  }
  switch (grpcCodeOf(err)) {
    case grpcStatus.RESOURCE_EXHAUSTED:
      return new ApiError(
        'GUARD_TOO_MANY_DECISIONS',
        'Temporal limits decisions in flight on one escalation; retry in a moment',
        { cause: err },
      );
    case grpcStatus.UNAVAILABLE:
      return new ApiError(
        'GUARD_TEMPORAL_UNAVAILABLE',
        'Temporal cannot be reached: check TEMPORAL_ADDRESS and the server',
        { cause: err },
      );
    case grpcStatus.DEADLINE_EXCEEDED:
      return new ApiError(
        'GUARD_TEMPORAL_UNAVAILABLE',
        'Temporal or the worker did not answer in time: check that a worker polls the task queue, then retry',
        { cause: err },
      );
    default:
      return undefined;
  }
}

/**
 * Maps anything a route throws to one coded API error. Unknown errors become GUARD_INTERNAL, whose message
 * points at the log line of this request instead of leaking the error.
 * @param requestId the request's ID, named in the GUARD_INTERNAL message
 */
export function toApiError(err: unknown, requestId?: string): ApiError {
  if (err instanceof ApiError) return err;
  const mapped = clientError(err) ?? frameworkError(err) ?? temporalError(err);
  if (mapped) return mapped;
  const where = requestId ? `see the API log for request ${requestId}` : 'see the API log';
  return new ApiError('GUARD_INTERNAL', `unexpected error; ${where}`, { cause: err });
}
