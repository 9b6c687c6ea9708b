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
    ['malformed', 'GUARD_LINK_MALFORMED', 400],
    ['forged', 'GUARD_LINK_FORGED', 403],
    ['expired', 'GUARD_LINK_EXPIRED', 410],
    ['used', 'GUARD_LINK_USED', 409],
  ] as const)('a %s link becomes %s (%d)', (linkCode, apiCode, status) => {
    expect(toApiError(new ApprovalLinkError(linkCode, 'no'))).toMatchObject({ code: apiCode, statusCode: status });
  });

  test('gRPC RESOURCE_EXHAUSTED inside a service error becomes 429, UNAVAILABLE 503', () => {
    const grpc = (code: number) => Object.assign(new Error('grpc'), { code, details: 'x', metadata: {} });
    const wrapped = (code: number) => Object.assign(new Error('Workflow Update failed'), { cause: grpc(code) });
    expect(toApiError(wrapped(8))).toMatchObject({ code: 'GUARD_TOO_MANY_DECISIONS', statusCode: 429 });
    expect(toApiError(wrapped(14))).toMatchObject({ code: 'GUARD_TEMPORAL_UNAVAILABLE', statusCode: 503 });
  });

  test('anything else is GUARD_INTERNAL without leaking the message', () => {
    const mapped = toApiError(new Error('secret detail'));
    expect(mapped).toMatchObject({ code: 'GUARD_INTERNAL', statusCode: 500 });
    expect(mapped.message).not.toContain('secret');
  });
});
