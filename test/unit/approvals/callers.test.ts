import { createApproverRegistry, createCallerRegistry, loadCallers, parseCallerTokens } from '../../../src/approvals';

const TOKEN = 'agent-token-0123456789abcdef';

describe('caller tokens', () => {
  test('parse id:token entries and authenticate the bearer token only', () => {
    const callers = loadCallers({
      DURABLE_GUARD_CALLER_TOKENS: ` agent:${TOKEN} , batch:batch-token-0123456789abcdef`,
    });
    expect(callers.size).toBe(2);
    expect(callers.authenticate(`Bearer ${TOKEN}`)).toEqual({ id: 'agent' });
    expect(callers.authenticate('Bearer wrong-token-0123456789abcdef')).toBeUndefined();
    expect(callers.authenticate(undefined)).toBeUndefined();
  });

  test('none configured: nobody authenticates', () => {
    expect(loadCallers({}).authenticate(`Bearer ${TOKEN}`)).toBeUndefined();
  });

  test('an entry without an id or a colon is refused, naming the entry', () => {
    expect(() => parseCallerTokens(`agent:${TOKEN},justatoken`)).toThrow(
      "DURABLE_GUARD_CALLER_TOKENS entry 2: expected 'id:token'",
    );
  });

  test('weak tokens are refused as approver tokens are', () => {
    expect(() => createCallerRegistry([{ id: 'agent', token: 'short' }])).toThrow(/shorter than 16/);
  });

  test("a caller token that is also an approver's is refused, without showing the token", () => {
    const approvers = createApproverRegistry([{ id: 'alice', token: TOKEN }]);
    let message = '';
    try {
      createCallerRegistry([{ id: 'agent', token: TOKEN }], approvers);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/entry 1 \('agent'\): the token is also an approver's token/);
    expect(message).not.toContain(TOKEN);
  });
});
