import { readFileSync } from 'node:fs';

import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import { z } from 'zod';

import { createLlmJudge } from '../activities/llm-judge';
import { registerBacktestCommand } from './backtest-command';
import { createRemoteGuard } from '../activities/remote-guard';
import type { PolicyDecision } from '../policy';
import { loadWebhookTargets } from '../config';
import {
  PolicyEngine,
  PolicyError,
  describeQuorum,
  formatBytes,
  loadPolicyFile,
  missingChannelsLine,
  needsQuorum,
  policyChannels,
  type LoadedPolicy,
} from '../policy';

/** Where the commands write; process streams by default, strings in tests. */
export interface CommandOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultOutput: CommandOutput = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

const actionSchema = z.enum(['allow', 'block', 'modify', 'escalate']);
const casesSchema = z.array(
  z.object({
    name: z.string(),
    tool: z.string(),
    input: z.record(z.string(), z.unknown()).default({}),
    context: z.record(z.string(), z.unknown()).optional(),
    expect: z.union([
      actionSchema,
      z.object({ action: actionSchema, rules: z.array(z.string()).optional(), modifiedInput: z.unknown().optional() }),
    ]),
  }),
);

/**
 * Every escalation that ALLOWS the call when nobody decides in time: written explicitly, and shown loudly, since a
 * silent approver then means the tool runs.
 */
function allowOnTimeoutWarnings(policy: ReturnType<typeof loadPolicyFile>): string[] {
  const where = [
    ...policy.rules.map((rule) => ({ what: `rule '${rule.id}'`, escalation: rule.escalation })),
    { what: 'defaults', escalation: policy.defaults.escalation },
  ];
  return where
    .filter(({ escalation }) => escalation?.onTimeout?.action === 'allow')
    .map(
      ({ what }) =>
        `WARNING ${policy.name}: ${what} has escalation.onTimeout: allow — when no approver decides in time, ` +
        'the call is ALLOWED and the tool runs',
    );
}

/**
 * Adds `policy check FILE...` and `policy test FILE CASES` to a commander program. Failures set
 * `process.exitCode = 1` rather than exiting, so the commands can run inside tests and other programs.
 */
export function registerPolicyCommands(program: Command, output: CommandOutput = defaultOutput): Command {
  const policy = program.command('policy').description('check and test policy files');

  policy
    .command('check')
    .description('validate policy files and print their version')
    .argument('<files...>', 'policy files (YAML or JSON)')
    .action((files: string[]) => {
      let failed = false;
      const loaded = [];
      for (const file of files) {
        try {
          const policy = loadPolicyFile(file);
          loaded.push(policy);
          output.out(`OK ${file} (policy '${policy.name}', ${policy.rules.length} rules)\n`);
          for (const line of allowOnTimeoutWarnings(policy)) output.err(`${line}\n`);
        } catch (error) {
          failed = true;
          output.err(`${errorText(error)}\n`);
        }
      }
      if (!failed) {
        try {
          const engine = new PolicyEngine(loaded);
          const { maxScanBytes, maxDecisionMs, onExceeded } = engine.limits;
          output.out(`policy version ${engine.version}\n`);
          output.out(
            `limits: maxScanBytes ${formatBytes(maxScanBytes)}, maxDecisionMs ${maxDecisionMs} ms, onExceeded ${onExceeded}\n`,
          );
          const missing = missingChannelsLine(
            policyChannels(loaded),
            loadWebhookTargets().flatMap((target) => (target.name ? [target.name] : [])),
            'configure DURABLE_GUARD_WEBHOOKS, or see them in the inbox of `durable-guard start`',
          );
          if (missing) output.out(`${missing.replace(/^durable-guard: /, '')}\n`);
          for (const line of quorumLines(loaded)) output.out(`${line}\n`);
        } catch (error) {
          failed = true;
          output.err(`${errorText(error)}\n`);
        }
      }
      if (failed) process.exitCode = 1;
    });

  policy
    .command('test')
    .description('run test cases against a policy; each case: {name, tool, input, context?, expect}')
    .argument('<file>', 'policy file')
    .argument('<cases>', 'YAML or JSON list of cases')
    .action(async (file: string, casesFile: string) => {
      try {
        const engine = new PolicyEngine([loadPolicyFile(file)], {
          llmJudge: createLlmJudge(),
          remoteGuard: createRemoteGuard(),
        });
        const cases = readCases(casesFile);
        let failures = 0;
        const now = new Date();
        for (const testCase of cases) {
          const decision = await engine.decide(
            { tool: testCase.tool, input: testCase.input, context: testCase.context },
            now,
          );
          const diff = compare(testCase.expect, decision);
          if (diff.length === 0) {
            output.out(`PASS ${testCase.name}\n`);
          } else {
            failures++;
            output.out(
              `FAIL ${testCase.name}\n${diff.map((line) => `  ${line}\n`).join('')}  reason: ${decision.reason ?? ''}\n`,
            );
          }
        }
        output.out(`${cases.length - failures} passed, ${failures} failed (policy version ${engine.version})\n`);
        if (failures > 0) process.exitCode = 1;
      } catch (error) {
        output.err(`${errorText(error)}\n`);
        process.exitCode = 1;
      }
    });
  registerBacktestCommand(policy);
  return program;
}

/** One line per rule (and policy default) whose escalation needs a quorum. */
function quorumLines(policies: readonly LoadedPolicy[]): string[] {
  return policies.flatMap((policy) => [
    ...(needsQuorum(policy.defaults.escalation?.approvals)
      ? [`quorum: policy '${policy.name}' default escalation: ${describeQuorum(policy.defaults.escalation.approvals)}`]
      : []),
    ...policy.rules.flatMap((rule) =>
      needsQuorum(rule.escalation?.approvals)
        ? [`quorum: rule '${rule.id}': ${describeQuorum(rule.escalation.approvals)}`]
        : [],
    ),
  ]);
}

type Case = z.infer<typeof casesSchema>[number];

function readCases(file: string): Case[] {
  let data: unknown;
  try {
    const doc = parseDocument(readFileSync(file, 'utf8'));
    if (doc.errors.length > 0) throw new Error(doc.errors[0]?.message);
    data = doc.toJS();
  } catch (error) {
    throw new Error(`${file}: cannot read test cases: ${errorText(error)}`, { cause: error });
  }
  const parsed = casesSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file}: case ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'} ` +
        '(expected a list of {name, tool, input, context?, expect: allow|block|modify|escalate})',
    );
  }
  return parsed.data;
}

function compare(expect: Case['expect'], decision: PolicyDecision): string[] {
  const expected = typeof expect === 'string' ? { action: expect } : expect;
  const lines: string[] = [];
  if (expected.action !== decision.action) {
    lines.push(`- action: ${expected.action}`, `+ action: ${decision.action}`);
  }
  if ('rules' in expected && expected.rules) {
    const actual = decision.rulesTriggered.map((hit) => hit.id);
    if (JSON.stringify([...expected.rules].sort()) !== JSON.stringify([...actual].sort())) {
      lines.push(`- rules: [${expected.rules.join(', ')}]`, `+ rules: [${actual.join(', ')}]`);
    }
  }
  if ('modifiedInput' in expected && expected.modifiedInput !== undefined) {
    if (JSON.stringify(expected.modifiedInput) !== JSON.stringify(decision.modifiedInput)) {
      lines.push(
        `- modifiedInput: ${JSON.stringify(expected.modifiedInput)}`,
        `+ modifiedInput: ${JSON.stringify(decision.modifiedInput)}`,
      );
    }
  }
  return lines;
}

function errorText(error: unknown): string {
  if (error instanceof PolicyError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
