import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Command } from 'commander';

import { registerPolicyCommands } from '../../../src/cli/policy-command';

const root = path.join(__dirname, '../../..');
const example = path.join(root, 'policies/example.yaml');

async function run(...args: string[]): Promise<{ out: string; err: string; exitCode: number }> {
  let out = '';
  let err = '';
  const program = new Command().exitOverride();
  registerPolicyCommands(program, { out: (t) => (out += t), err: (t) => (err += t) });
  const previous = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(args, { from: 'user' });
    return { out, err, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = previous;
  }
}

describe('policy commands', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'policy-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('check prints the quorum of each rule that has one', async () => {
    const file = path.join(dir, 'quorum.yaml');
    writeFileSync(
      file,
      'policy: q\nrules:\n  - id: very-big-refund\n    tools: process_refund\n    action: escalate\n' +
        '    escalation: { approvals: { count: 2, allOf: [finance, legal], denyCount: 2 } }\n',
    );
    const result = await run('policy', 'check', file);
    expect(result.exitCode).toBe(0);
    expect(result.out).toContain(
      "quorum: rule 'very-big-refund': 2 distinct approvers, one from each of finance, legal; 2 distinct denials " +
        'deny; the requester never approves\n',
    );
  });

  test('check prints OK and the version for valid files', async () => {
    const result = await run('policy', 'check', example);
    expect(result.exitCode).toBe(0);
    expect(result.out).toMatch(
      /^OK .*example\.yaml \(policy 'example', 12 rules\)\npolicy version [0-9a-f]{12}\nlimits: maxScanBytes 16 MB, maxDecisionMs 250 ms, onExceeded block\nchannel 'finance-webhook' has no destination: configure DURABLE_GUARD_WEBHOOKS, or see them in the inbox of `durable-guard start`\n$/,
    );
    expect(result.err).toBe('');
  });

  test('check prints every error with file and line and exits 1', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'rules:\n  - id: r\n    tools: x\n    action: escalte\n');
    const result = await run('policy', 'check', example, bad);
    expect(result.exitCode).toBe(1);
    expect(result.err).toBe(`${bad}:4: rule 'r': unknown action 'escalte' (expected allow, block, modify, escalate)\n`);
    expect(result.out).toMatch(/^OK .*example\.yaml/);
    expect(result.out).not.toMatch(/policy version/);
  });

  test.each([
    ['a backreference', '(a)\\\\1', 'invalid escape sequence'],
    ['a lookahead', 'rm(?!x)', 'invalid or unsupported Perl syntax'],
    ['a lookbehind', '(?<=sudo )rm', 'invalid named capture'],
  ])('check reports %s in matches() with file, line, rule and pattern', async (_, pattern, why) => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      `rules:\n  - id: r\n    tools: x\n    condition: input.c.matches('${pattern}')\n    action: block\n`,
    );
    const result = await run('policy', 'check', bad);
    expect(result.exitCode).toBe(1);
    const shown = pattern.replace(/\\\\/g, '\\');
    expect(result.err).toContain(
      `${bad}:4: rule 'r': invalid CEL condition: matches() pattern '${shown}' is not valid RE2: ${why}`,
    );
  });

  test('check prints the limits a policy sets', async () => {
    const file = path.join(dir, 'limits.yaml');
    writeFileSync(file, 'limits: { maxScanBytes: 2 MB, maxDecisionMs: 250, onExceeded: escalate }\nrules: []\n');
    const result = await run('policy', 'check', file);
    expect(result.out).toContain('limits: maxScanBytes 2 MB, maxDecisionMs 250 ms, onExceeded escalate\n');
  });

  test('test passes the example cases', async () => {
    const result = await run('policy', 'test', example, path.join(root, 'policies/example.cases.yaml'));
    expect(result.err).toBe('');
    expect(result.out).toMatch(/\n26 passed, 0 failed \(policy version [0-9a-f]{12}\)\n$/);
    expect(result.exitCode).toBe(0);
  });

  test('test prints a diff per mismatch and exits 1', async () => {
    const cases = path.join(dir, 'cases.yaml');
    writeFileSync(
      cases,
      [
        '- { name: right, tool: process_refund, input: { amount: 5 }, expect: allow }',
        '- { name: wrong action, tool: process_refund, input: { amount: 5000 }, expect: allow }',
        '- { name: wrong rules, tool: execute_sql, input: { sql: DROP TABLE x }, expect: { action: block, rules: [other] } }',
      ].join('\n'),
    );
    const result = await run('policy', 'test', example, cases);
    expect(result.exitCode).toBe(1);
    expect(result.out).toContain('PASS right\n');
    expect(result.out).toContain(
      "FAIL wrong action\n  - action: allow\n  + action: escalate\n  reason: escalated by 'payment-needs-approval', 'big-refund'",
    );
    expect(result.out).toContain('FAIL wrong rules\n  - rules: [other]\n  + rules: [sql-destructive]\n');
    expect(result.out).toMatch(/1 passed, 2 failed/);
  });

  test('test reports a malformed cases file and exits 1', async () => {
    const cases = path.join(dir, 'cases.yaml');
    writeFileSync(cases, '- { name: x, tool: t, expect: maybe }\n');
    const result = await run('policy', 'test', example, cases);
    expect(result.exitCode).toBe(1);
    expect(result.err).toMatch(/cases\.yaml: case 0\.expect: .*expected a list of \{name, tool, input/);
  });
});
