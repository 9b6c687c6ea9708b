import { API_ERRORS, ApiError } from '../../../src/api';
import { toApiError } from '../../../src/api/to-api-error';
import { ApprovalLinkError } from '../../../src/approvals';
import { GuardApprovalError, type ApprovalErrorCode } from '../../../src/client';

describe('API_ERRORS', () => {
  test.each([
    ['GUARD_ESCALATION_NOT_FOUND', 404],
    ['GUARD_ALREADY_DECIDED', 409],
    ['GUARD_TIMED_OUT', 410],
    ['GUARD_UNAUTHORIZED', 401],
    ['GUARD_FORBIDDEN', 403],
    ['GUARD_INVALID_REQUEST', 400],
    ['GUARD_PAYLOAD_TOO_LARGE', 413],
    ['GUARD_EDIT_REFUSED', 422],
    ['GUARD_TOO_MANY_DECISIONS', 429],
  ] as const)('%s answers %d', (code, status) => {
    expect(API_ERRORS[code].status).toBe(status);
    const err = new ApiError(code, 'because');
    expect(err.statusCode).toBe(status);
    expect(err.toBody()).toEqual({ error: { code, message: 'because' } });
  });

  test('every code is GUARD_* with an HTTP error status and a description', () => {
    for (const [code, entry] of Object.entries(API_ERRORS)) {
      expect(code).toMatch(/^GUARD_[A-Z_]+$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.status).toBeLessThan(600);
      expect(entry.description.length).toBeGreaterThan(10);
    }
  });
});

describe('toApiError', () => {
  const approvalCodes: [ApprovalErrorCode, string, number][] = [
    ['GUARD_ESCALATION_NOT_FOUND', 'GUARD_ESCALATION_NOT_FOUND', 404],
    ['GUARD_ALREADY_DECIDED', 'GUARD_ALREADY_DECIDED', 409],
    ['GUARD_TIMED_OUT', 'GUARD_TIMED_OUT', 410],
    ['GUARD_NOT_ESCALATED', 'GUARD_NOT_ESCALATED', 409],
    ['GUARD_NOT_PENDING', 'GUARD_NOT_PENDING', 409],
    ['GUARD_INVALID_APPROVAL', 'GUARD_INVALID_APPROVAL', 400],
    ['GUARD_APPROVER_NOT_ALLOWED', 'GUARD_FORBIDDEN', 403],
    ['GUARD_EDIT_REFUSED', 'GUARD_EDIT_REFUSED', 422],
  ];
  test.each(approvalCodes)('client %s becomes %s (%d) with its message', (clientCode, apiCode, status) => {
    const mapped = toApiError(new GuardApprovalError(clientCode, 'guard-1', 'the reason'));
    expect(mapped).toMatchObject({ code: apiCode, statusCode: status, message: 'the reason' });
  });

  test.each([
    ['GUARD_LINK_MALFORMED', 400],
    ['GUARD_LINK_FORGED', 403],
    ['GUARD_LINK_EXPIRED', 410],
    ['GUARD_LINK_USED', 409],
  ] as const)('a %s link keeps its code (%d)', (linkCode, status) => {
    expect(toApiError(new ApprovalLinkError(linkCode, 'no'))).toMatchObject({ code: linkCode, statusCode: status });
  });

  test('gRPC RESOURCE_EXHAUSTED inside a service error becomes 429, UNAVAILABLE 503', () => {
    const grpc = (code: number) => Object.assign(new Error('grpc'), { code, details: 'x', metadata: {} });
    const wrapped = (code: number) => Object.assign(new Error('Workflow Update failed'), { cause: grpc(code) });
    expect(toApiError(wrapped(8))).toMatchObject({ code: 'GUARD_TOO_MANY_DECISIONS', statusCode: 429 });
    expect(toApiError(wrapped(14))).toMatchObject({ code: 'GUARD_TEMPORAL_UNAVAILABLE', statusCode: 503 });
  });

  const named = (name: string, message: string, code?: string) =>
    Object.assign(new Error(message), { name, ...(code ? { code } : {}) });
  test.each([
    ['GuardInputError', 'GUARD_INPUT_LIMIT', 'GUARD_INPUT_LIMIT', 400],
    ['GuardInputError', undefined, 'GUARD_INVALID_REQUEST', 400],
    ['GuardCallIdConflict', 'GUARD_CALL_ID_CONFLICT', 'GUARD_CALL_ID_CONFLICT', 409],
    ['GuardUnavailable', 'GUARD_UNAVAILABLE', 'GUARD_TEMPORAL_UNAVAILABLE', 503],
  ])('%s (code %s) from another realm becomes %s (%d) with its message', (name, code, apiCode, status) => {
    expect(toApiError(named(name, 'what went wrong', code))).toMatchObject({
      code: apiCode,
      statusCode: status,
      message: 'what went wrong',
    });
  });

  test.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'GUARD_PAYLOAD_TOO_LARGE'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'GUARD_UNSUPPORTED_MEDIA_TYPE'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'GUARD_INVALID_REQUEST'],
    ['FST_ERR_BAD_URL', 400, 'GUARD_INVALID_REQUEST'],
    ['FST_ERR_MAX_PARAM_LENGTH', 414, 'GUARD_URI_TOO_LONG'],
    ['FST_ERR_SOMETHING_NEW', 405, 'GUARD_METHOD_NOT_ALLOWED'],
    ['FST_ERR_SOMETHING_ODD', 418, 'GUARD_INVALID_REQUEST'],
  ])('fastify %s (%d) becomes %s', (code, statusCode, apiCode) => {
    const err = Object.assign(new Error('fastify says no'), { code, statusCode });
    const mapped = toApiError(err);
    expect(mapped.code).toBe(apiCode);
    expect(mapped.statusCode).toBe(API_ERRORS[apiCode as keyof typeof API_ERRORS].status);
    expect(mapped.message).toContain('fastify says no');
  });

  test('anything else is GUARD_INTERNAL without leaking the message, naming the request', () => {
    const mapped = toApiError(new Error('secret detail'), 'req-7');
    expect(mapped).toMatchObject({ code: 'GUARD_INTERNAL', statusCode: 500 });
    expect(mapped.message).toBe('unexpected error; see the API log for request req-7');
    expect(mapped.toBody('req-7')).toEqual({
      error: { code: 'GUARD_INTERNAL', message: mapped.message, requestId: 'req-7' },
    });
  });
});
