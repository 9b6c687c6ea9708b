import { API_ERRORS } from '../../../src/api';
import { GUARD_ERRORS, guardMessage, HTTP_ERRORS, isGuardErrorCode } from '../../../src/workflows/error-codes';

test('the API answers with exactly the codes of the table that have a status', () => {
  const withStatus = Object.entries(GUARD_ERRORS).filter(([, e]) => 'status' in e);
  expect(Object.keys(API_ERRORS)).toEqual(withStatus.map(([code]) => code));
  expect(API_ERRORS).toBe(HTTP_ERRORS);
  expect(Object.keys(GUARD_ERRORS).every((code) => /^GUARD_[A-Z_]+$/.test(code))).toBe(true);
  expect(isGuardErrorCode('GUARD_TOOL_FAILED')).toBe(true);
  expect(isGuardErrorCode('forged')).toBe(false);
});

test.each([
  [guardMessage('GUARD_ALREADY_DECIDED', 'g', 'in-flight'), 'escalation g is being decided by another approver'],
  [
    guardMessage('GUARD_ALREADY_DECIDED', 'g', { by: 'bob', action: 'block' }),
    'escalation g was already denied by bob',
  ],
  [guardMessage('GUARD_ALREADY_DECIDED', 'g', {}), 'escalation g was already decided'],
  [
    guardMessage('GUARD_ALREADY_DECIDED', 'g', { by: 'al', action: 'allow', at: 'T' }),
    'escalation g was already approved by al at T',
  ],
  [guardMessage('GUARD_TIMED_OUT', 'g'), 'escalation g timed out at its deadline'],
  [guardMessage('GUARD_NOT_ESCALATED', 'g'), 'call g was not escalated: the policy decided it'],
])('%s', (message, expected) => {
  expect(message).toBe(expected);
});
