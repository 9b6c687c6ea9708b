import { z } from 'zod';

import { detectorNames } from './detectors/registry';
import { sqlDialects } from './detectors/sql-classify';
import { parseDuration } from './duration';
import { parsePointer } from './json-pointer';
import { approvalsSchema } from './quorum-schema';

/** Every action, in increasing precedence. */
export const guardActions = ['allow', 'modify', 'escalate', 'block'] as const;

const show = (value: unknown): string =>
  typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? 'nothing');

function oneOf<const T extends readonly [string, ...string[]]>(what: string, values: T) {
  return z.enum(values, { error: (iss) => `unknown ${what} ${show(iss.input)} (expected ${values.join(', ')})` });
}

const actionSchema = oneOf('action', ['allow', 'block', 'modify', 'escalate']);
const decisiveActionSchema = oneOf('action', ['allow', 'block', 'escalate']);
const modeSchema = oneOf('mode', ['enforce', 'audit']);
const ruleTypeSchema = oneOf('rule type', ['static', 'llm-judge', 'remote']);
const detectorSchema = z.enum(detectorNames as [string, ...string[]], {
  error: (iss) => `unknown detector ${show(iss.input)} (expected one of ${detectorNames.join(', ')})`,
});

const durationSchema = z
  .string({ error: 'expected a duration such as 30s, 5m or 72h' })
  .refine((text) => parseDuration(text) !== undefined, {
    error: (iss) => `invalid duration ${show(iss.input)} (expected a number and a unit ms, s, m, h or d, e.g. 72h)`,
  });
const pointerSchema = z.string().refine((text) => parsePointer(text) !== undefined, {
  error: (iss) => `invalid JSON pointer ${show(iss.input)} (expected e.g. /amount or /items/0/price)`,
});
const nonEmpty = z.string().min(1, 'expected a non-empty string');

const routeSchema = z
  .strictObject({
    approverGroups: z.array(nonEmpty).optional(),
    channels: z.array(nonEmpty).optional(),
  })
  .refine((route) => Boolean(route.approverGroups?.length || route.channels?.length), {
    error: 'a route step adds approverGroups, channels, or both: give at least one',
  });
const fractionSchema = z
  .number({ error: 'expected a duration such as 4h, or a fraction of the window such as 0.5' })
  .gt(0, 'a fraction of the window is above 0 (e.g. 0.5 for half way)')
  .lt(1, 'a fraction of the window is below 1 (the window ends at 1: use onTimeout for that)');
const ladderStepSchema = z
  .strictObject({
    /** A duration after the window opened, or a fraction of the window (0.5 = half way). */
    after: z.union([durationSchema, fractionSchema]),
    remind: z.literal(true, { error: "remind takes true (or leave it out and give 'route')" }).optional(),
    route: routeSchema.optional(),
  })
  .refine((step) => (step.remind === true) !== (step.route !== undefined), {
    error: "a ladder step is either 'remind: true' or 'route: { approverGroups, channels }', exactly one",
  });
const onTimeoutSchema = z.union(
  [
    oneOf('onTimeout', ['block', 'allow']),
    z.strictObject({
      escalate: z.strictObject({
        approverGroups: z.array(nonEmpty).min(1, 'escalate to at least one approver group'),
        channels: z.array(nonEmpty).optional(),
        timeout: durationSchema,
      }),
    }),
  ],
  { error: 'unknown onTimeout (expected block, allow, or { escalate: { approverGroups, timeout } })' },
);

const escalationSchema = z.strictObject({
  timeout: durationSchema.optional(),
  approverGroups: z.array(nonEmpty).optional(),
  channels: z.array(nonEmpty).optional(),
  /** Reminders and re-routing while the window is open. */
  ladder: z.array(ladderStepSchema).max(20, 'at most 20 ladder steps').optional(),
  /** What the window's end decides: block (default), allow (only when written), or escalate to another group. */
  onTimeout: onTimeoutSchema.optional(),
  /** The longest an approver may extend the window to, counted from when it opened. */
  maxWindow: durationSchema.optional(),
  approvals: approvalsSchema.optional(),
  /** The longest standing grant an approver may create for this rule (default 24h). */
  maxGrant: durationSchema.optional(),
});

const modifyOpSchema = z.discriminatedUnion(
  'op',
  [
    z.strictObject({ op: z.literal('redact'), detectors: z.array(detectorSchema).min(1).optional() }),
    z.strictObject({ op: z.literal('set'), path: pointerSchema, value: z.unknown() }),
    z.strictObject({ op: z.literal('remove'), path: pointerSchema }),
    z.strictObject({
      op: z.literal('clamp'),
      path: pointerSchema,
      min: z.number().optional(),
      max: z.number().optional(),
    }),
  ],
  {
    error: (iss) =>
      `unknown modify op ${show((iss.input as { op?: unknown } | undefined)?.op)} (expected redact, set, remove, clamp)`,
  },
);

/** What `llm-judge` and `remote` rules share: the key's env var name, timeout and retries. */
const httpCallFields = {
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the NAME of an environment variable holding the key, not the key')
    .optional(),
  timeout: durationSchema.optional(),
  retries: z.number().int().min(0).max(5).optional(),
};

const llmJudgeSchema = z.strictObject({
  baseUrl: z.url({ error: 'expected an http(s) URL such as http://localhost:8000' }),
  model: nonEmpty,
  prompt: nonEmpty,
  ...httpCallFields,
});

const remoteSchema = z.strictObject({
  url: z.url({ error: 'expected an http(s) URL of the guard endpoint' }),
  ...httpCallFields,
  failOpen: z.boolean().optional(),
});

const ruleSchema = z.strictObject({
  id: z.string({ error: 'expected a rule id (letters, digits, - _ . :)' }).regex(/^[A-Za-z0-9_.:-]+$/, {
    error: 'rule id may only contain letters, digits, -, _, . and :',
  }),
  description: z.string().optional(),
  type: ruleTypeSchema.optional(),
  tools: z.union([nonEmpty, z.array(nonEmpty).min(1)], { error: 'expected a tool name, a glob or a list of them' }),
  condition: nonEmpty.optional(),
  detectors: z.array(detectorSchema).min(1).optional(),
  scope: z.array(pointerSchema).min(1).optional(),
  action: actionSchema.optional(),
  mode: modeSchema.optional(),
  message: z.string().optional(),
  escalation: escalationSchema.optional(),
  modify: z.array(modifyOpSchema).min(1).optional(),
  llm: llmJudgeSchema.optional(),
  remote: remoteSchema.optional(),
  fallback: decisiveActionSchema.optional(),
  onUnparseable: decisiveActionSchema.optional(),
  dialect: oneOf('SQL dialect', sqlDialects).optional(),
});

const jsonSchemaSchema = z.union([z.boolean(), z.record(z.string(), z.unknown())], {
  error: 'expected a JSON Schema (an object such as { type: object, properties: { ... } })',
});

/** `2 MB`, `512 KB`, `65536` (bytes): binary units, as docs/policies.md writes them. */
const sizePattern = /^(\d+(?:\.\d+)?)\s*(B|KB|MB)?$/i;
const sizeSchema = z
  .union([z.number(), z.string()], { error: 'expected a size in bytes, e.g. 2 MB, 512 KB or 65536' })
  .transform((value, ctx) => {
    const match = typeof value === 'string' ? sizePattern.exec(value.trim()) : undefined;
    const unit = { B: 1, KB: 1024, MB: 1024 * 1024 }[(match?.[2] ?? 'B').toUpperCase() as 'B' | 'KB' | 'MB'];
    const bytes = typeof value === 'number' ? value : match ? Math.round(Number(match[1]) * unit) : NaN;
    if (!Number.isSafeInteger(bytes) || bytes < 1) {
      ctx.addIssue({ code: 'custom', message: `invalid size ${show(value)} (expected e.g. 2 MB, 512 KB or 65536)` });
      return z.NEVER;
    }
    return bytes;
  });

const limitsSchema = z.strictObject({
  maxScanBytes: sizeSchema.optional(),
  maxDecisionMs: z
    .number({ error: 'expected a number of milliseconds, e.g. 500' })
    .int('expected a whole number of milliseconds')
    .min(1, 'expected at least 1 ms')
    .optional(),
  onExceeded: oneOf('onExceeded action', ['block', 'escalate']).optional(),
});

/** The file format of one policy (YAML or JSON). See docs/policies.md. */
export const policyFileSchema = z.strictObject({
  policy: nonEmpty.optional(),
  extends: z
    .union([nonEmpty, z.array(nonEmpty).min(1)], { error: 'expected a policy file path or a list of them' })
    .optional(),
  description: z.string().optional(),
  defaults: z
    .strictObject({ action: decisiveActionSchema.optional(), escalation: escalationSchema.optional() })
    .optional(),
  limits: limitsSchema.optional(),
  rules: z.array(ruleSchema, { error: 'expected a list of rules under `rules:`' }),
  toolSchemas: z.record(nonEmpty, jsonSchemaSchema).optional(),
  unknownTools: decisiveActionSchema.optional(),
});

/** A policy file as written, after schema validation. */
export type PolicyFile = z.infer<typeof policyFileSchema>;
/** One rule as written. */
export type RuleSpec = z.infer<typeof ruleSchema>;
/** One modify operation as written. */
export type ModifyOpSpec = z.infer<typeof modifyOpSchema>;
/** The per-decision budget as written (sizes already in bytes). */
export type LimitsSpec = z.infer<typeof limitsSchema>;
/** Escalation settings as written. */
export type EscalationSpec = z.infer<typeof escalationSchema>;
