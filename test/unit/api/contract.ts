import { API_ERRORS, type ApiErrorCode } from '../../../src/api';

/** What every answer of the API must be: 2xx, or `{ error: { code, message } }` with the code's own status. */
export function contractProblem(status: number, contentType: string | undefined, body: string): string | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (!String(contentType ?? '').includes('application/json')) return `${status} is ${contentType}, not JSON`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `${status} body is not JSON: ${body.slice(0, 200)}`;
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown } }).error;
  if (!error || typeof error.message !== 'string' || error.message.length === 0) {
    return `${status} body is not {error:{code,message}}: ${body.slice(0, 200)}`;
  }
  if (typeof error.code !== 'string' || !Object.hasOwn(API_ERRORS, error.code)) {
    return `${status} code ${String(error.code)} is not in API_ERRORS`;
  }
  const expected = API_ERRORS[error.code as ApiErrorCode].status;
  if (expected !== status) return `${error.code} answered ${status}, its status is ${expected}`;
  return undefined;
}
