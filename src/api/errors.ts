/**
 * Every error the approval API answers with: the codes of the one table shared with the workflow and the client
 * (src/workflows/error-codes.ts), each with its HTTP status, as fastify does with `FST_ERR_*`. Bodies are
 * `{ error: { code, message } }`; the message names the problem and the fix.
 */
import { HTTP_ERRORS, type HttpErrorCode } from '../workflows/error-codes';

/** The coded errors of the approval API and their HTTP statuses: the codes of GUARD_ERRORS with a status. */
export const API_ERRORS = HTTP_ERRORS;

/** A code of {@link API_ERRORS}. */
export type ApiErrorCode = HttpErrorCode;

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
