import path from 'node:path';

import { PolicyEngine, PolicyError, loadPolicyFile, parsePolicy } from '../../../src/policy';
import { adversarialString } from '../../../bench/adversarial';

const now = new Date('2025-06-01T12:00:00Z');

function blockIf(condition: string): PolicyEngine {
  return new PolicyEngine([
    parsePolicy(
      `rules:\n  - id: r\n    tools: t\n    condition: ${JSON.stringify(condition)}\n    action: block\n`,
      'r.yaml',
    ),
  ]);
}

describe('matches() in conditions runs RE2', () => {
  test.each<[string, Record<string, unknown>, 'allow' | 'block']>([
    ["input.s.matches('b+')", { s: 'aabbb' }, 'block'],
    ["input.s.matches('^b')", { s: 'ab' }, 'allow'],
    ["input.s.matches('^a+$')", { s: 'aaaa' }, 'block'],
    ["input.s.matches('(?i)DROP')", { s: 'please drop it' }, 'block'],
    ["input.s.matches('\\\\bfoo\\\\b')", { s: 'a foo b' }, 'block'],
    ["input.s.matches('\\\\bfoo\\\\b')", { s: 'afoob' }, 'allow'],
    ["input.s.matches('x[0-9]{2}')", { s: 'ax42' }, 'block'],
    ["input.l.exists(x, x.matches('^z'))", { l: ['a', 'zed'] }, 'block'],
    ["input.l.exists(x, x.matches('^z'))", { l: ['a', 'b'] }, 'allow'],
    ["input.s.matches('a') && input.t.matches('b')", { s: 'a', t: 'b' }, 'block'],
    ['input.s.matches(input.p)', { s: 'hello', p: 'l+o$' }, 'block'],
    ["input.s.matches('matches')", { s: 'it matches' }, 'block'],
  ])('%s on %j → %s', (condition, input, action) => {
    expect(blockIf(condition).decideStatic({ tool: 't', input }, now).action).toBe(action);
  });

  test.each([
    ['a backreference', "input.s.matches('(a)\\\\1')", 'invalid escape sequence: `\\1`'],
    ['a lookahead', "input.s.matches('a(?=b)')", 'invalid or unsupported Perl syntax: `(?=`'],
    ['a negative lookahead', "input.s.matches('a(?!b)')", 'invalid or unsupported Perl syntax: `(?!`'],
    ['a lookbehind', "input.s.matches('(?<=a)b')", 'invalid named capture: `(?<=a)b`'],
    ['an unclosed class', "input.s.matches('[a')", 'missing closing ]: `[a`'],
    ['a bad pattern inside a macro', "input.l.all(x, x.matches('(?<!x)y'))", 'invalid named capture'],
  ])('%s is a load error naming file, rule and pattern', (_, condition, why) => {
    const load = () =>
      parsePolicy(
        `rules:\n  - id: r1\n    tools: t\n    condition: ${JSON.stringify(condition)}\n    action: block\n`,
        'p.yaml',
      );
    expect(load).toThrow(PolicyError);
    expect(load).toThrow(/^p\.yaml:4: rule 'r1': invalid CEL condition: matches\(\) pattern '.+' is not valid RE2: /);
    expect(load).toThrow(why);
  });

  test('a pattern from the input that is not RE2 fails the rule closed with the reason', () => {
    const decision = blockIf('input.s.matches(input.p)').decideStatic(
      { tool: 't', input: { s: 'aa', p: '(a)\\1' } },
      now,
    );
    expect(decision.action).toBe('block');
    expect(decision.rulesTriggered[0]?.message).toMatch(/condition error: .*invalid RE2 pattern '\(a\)\\1'/);
  });

  test('a receiver that is not a string fails the rule closed', () => {
    const decision = blockIf("input.n.matches('1')").decideStatic({ tool: 't', input: { n: 1 } }, now);
    expect(decision.action).toBe('block');
    expect(decision.rulesTriggered[0]?.message).toMatch(/^condition error: /);
  });

  test.each([
    ['rm ', 'rm -a '],
    ['rm -', 'rm -a -'],
    ['run of options', 'rm -aaaaaaaaaaaaaaaa '],
  ])(
    "the example policy's no-rm-rf decides a 1 MB command of %s",
    (_, unit) => {
      const engine = new PolicyEngine([loadPolicyFile(path.join(__dirname, '../../../policies/example.yaml'))]);
      const decision = engine.decideStatic(
        { tool: 'run_shell', input: { command: adversarialString(unit, 1 << 20) } },
        now,
      );
      // The regex ends in bounded time without matching; the shell detectors see the 1 MB command whole, too long
      // to parse, so the recommended shell rule escalates it (onUnparseable) instead of judging 4 KB windows.
      expect(decision.action).toBe('escalate');
      expect(decision.rulesTriggered.map((hit) => hit.id)).not.toContain('no-rm-rf');
      expect(decision.rulesTriggered.map((hit) => hit.id)).toContain('shell-dangerous');
    },
    30_000,
  );
});
