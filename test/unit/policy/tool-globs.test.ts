import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PolicyEngine, loadPolicyFile, parsePolicy } from '../../../src/policy';

// A base policy's tool globs apply its rules widely; they must not make every tool they match "known", or a
// policy that extends it with `unknownTools: escalate` never reaches the tools of those families.
const now = new Date('2026-01-01T00:00:00Z');
const recommended = path.join(__dirname, '../../../policies/recommended.yaml');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tool-globs-'));
fs.copyFileSync(recommended, path.join(dir, 'recommended.yaml'));
const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const own = write(
  'own.yaml',
  `policy: own
extends: recommended.yaml
unknownTools: escalate
rules:
  - { id: exports, tools: 'export_*', condition: 'has(input.rows) && input.rows > 1000', action: escalate }
`,
);
const engine = new PolicyEngine([loadPolicyFile(own)]);
const decide = (tool: string, input: Record<string, unknown> = {}) => engine.decideStatic({ tool, input }, now);

/** Every tool glob of recommended.yaml (its rules' `tools`, `*` alone aside). */
function recommendedGlobs(): string[] {
  const loaded = loadPolicyFile(recommended);
  return [...new Set(loaded.rules.flatMap((r) => r.tools).filter((t) => t !== '*' && /[*?]/.test(t)))];
}

describe('tool globs of a base policy and unknownTools', () => {
  test('recommended.yaml has family globs (the class this guards against)', () => {
    expect(recommendedGlobs().length).toBeGreaterThan(10);
  });

  test.each(recommendedGlobs())('a tool that only the base glob %s matches is unknown to the extending policy', (glob) => {
    const tool = glob.replace(/\*/g, 'zz').replace(/\?/g, 'q');
    const decision = decide(tool);
    expect(decision.action).toBe('escalate');
    expect(decision.rulesTriggered.map((r) => r.id)).toContain('unknown-tool');
  });

  test('the base rules still apply to what their globs match', () => {
    const refund = decide('refund_all', { amount: 99_999 });
    expect(refund.action).toBe('block');
    expect(refund.rulesTriggered.map((r) => r.id)).toEqual(expect.arrayContaining(['unknown-tool', 'payment-over-limit']));
    expect(decide('ssh_exec', { command: 'rm -rf /' }).action).toBe('block');
  });

  test("the base's exact names and the policy's own globs are known", () => {
    expect(decide('run_shell', { command: 'git status' }).action).toBe('allow');
    expect(decide('send_email', { to: 'a@example.com', body: 'hi' }).action).toBe('allow');
    expect(decide('export_orders', { rows: 20 }).action).toBe('allow');
    expect(decide('export_orders', { rows: 5000 }).rulesTriggered.map((r) => r.id)).toEqual(['exports']);
  });

  test('a policy loaded on its own names tools with its globs, and near misses still count', () => {
    const alone = new PolicyEngine([
      parsePolicy("unknownTools: block\nrules:\n  - { id: r, tools: ['crm_*', lookup], action: allow }\n", 'a.yaml'),
    ]);
    expect(alone.decideStatic({ tool: 'crm_update', input: {} }, now).action).toBe('allow');
    expect(alone.decideStatic({ tool: 'billing', input: {} }, now).action).toBe('block');
    expect(alone.decideStatic({ tool: 'Lookup', input: {} }, now).reason).toMatch(/near miss of the known tool 'lookup'/);
  });
});
