import { PolicyEngine, parsePolicy } from '../../../src/policy';

// A long scope (four entries or more) is looked up by the input's keys: the same findings, in scope order.
const now = new Date('2026-01-01T00:00:00Z');
const engine = (scope: string) =>
  new PolicyEngine([
    parsePolicy(`rules:\n  - { id: s, tools: t, detectors: [secrets], scope: ${scope}, action: block }\n`, 'p.yaml'),
  ]);
const key = 'password=Tr0ub4dor&3horse';

describe('long rule scopes', () => {
  test('findings follow scope order, nested entries included, absent keys skipped', () => {
    const decision = engine('[/z, /a/b, /c, /d, /e]').decideStatic(
      { tool: 't', input: { c: key, a: { b: key }, q: key } },
      now,
    );
    expect(decision.action).toBe('block');
    expect(decision.reason).toMatch(/detected password_assignment at \/a\/b, password_assignment at \/c$/);
  });

  test('an input with none of the scope keys is not scanned', () => {
    expect(engine('[/z, /y, /x, /w]').decideStatic({ tool: 't', input: { c: key } }, now).action).toBe('allow');
  });

  test("the empty pointer scans the whole input whatever its keys", () => {
    const decision = engine("[/z, /y, /x, '']").decideStatic({ tool: 't', input: { c: key } }, now);
    expect(decision.action).toBe('block');
    expect(decision.reason).toMatch(/password_assignment at \/c/);
  });
});
