import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { ApiError, isApiErrorCode, type ApiErrorCode } from './errors';

const LINK_CODES: Record<string, ApiErrorCode> = {
  malformed: 'GUARD_LINK_MALFORMED',
  forged: 'GUARD_LINK_FORGED',
  expired: 'GUARD_LINK_EXPIRED',
  used: 'GUARD_LINK_USED',
};

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
  validationContext?: string;
  message: string;
}

/** Maps anything a route throws to one coded API error (unknown errors become GUARD_INTERNAL). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { name?: string; code?: unknown; message?: string };
  if (e?.name === 'GuardApprovalError' && typeof e.code === 'string') {
    if (e.code === 'GUARD_APPROVER_NOT_ALLOWED')
      return new ApiError('GUARD_FORBIDDEN', e.message ?? '', { cause: err });
    if (isApiErrorCode(e.code)) return new ApiError(e.code, e.message ?? '', { cause: err });
  }
  if (e?.name === 'ApprovalLinkError' && typeof e.code === 'string' && LINK_CODES[e.code]) {
    return new ApiError(LINK_CODES[e.code] as ApiErrorCode, e.message ?? '', { cause: err });
  }
  if (err instanceof WorkflowNotFoundError) {
    return new ApiError('GUARD_ESCALATION_NOT_FOUND', `no guarded call with ID ${err.workflowId}`, { cause: err });
  }
  const fastifyError = err as FastifyLikeError;
  if (fastifyError?.validation) {
    return new ApiError('GUARD_INVALID_REQUEST', `invalid request: ${fastifyError.message}`, { cause: err });
  }
  if (fastifyError?.statusCode === 413) {
    return new ApiError('GUARD_PAYLOAD_TOO_LARGE', `${fastifyError.message}: send a smaller body`, { cause: err });
  }
  if (fastifyError?.statusCode === 415) {
    return new ApiError('GUARD_UNSUPPORTED_MEDIA_TYPE', `${fastifyError.message}: send the body as application/json`, {
      cause: err,
    });
  }
  if (fastifyError?.statusCode === 400 && typeof fastifyError.code === 'string') {
    return new ApiError('GUARD_INVALID_REQUEST', `invalid request: ${fastifyError.message}`, { cause: err });
  }
  const grpcCode = grpcCodeOf(err);
  if (grpcCode === grpcStatus.RESOURCE_EXHAUSTED) {
    return new ApiError(
      'GUARD_TOO_MANY_DECISIONS',
      'Temporal limits decisions in flight on one escalation; retry in a moment',
      { cause: err },
    );
  }
  if (grpcCode === grpcStatus.UNAVAILABLE) {
    return new ApiError(
      'GUARD_TEMPORAL_UNAVAILABLE',
      'Temporal cannot be reached: check TEMPORAL_ADDRESS and the server',
      {
        cause: err,
      },
    );
  }
  if (grpcCode === grpcStatus.DEADLINE_EXCEEDED) {
    return new ApiError(
      'GUARD_TEMPORAL_UNAVAILABLE',
      'Temporal or the worker did not answer in time: check that a worker polls the task queue, then retry',
      { cause: err },
    );
  }
  return new ApiError('GUARD_INTERNAL', 'unexpected error; see the API log', { cause: err });
}
