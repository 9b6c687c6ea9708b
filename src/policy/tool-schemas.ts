import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { RE2JS } from 're2js';

import type { CompiledRule, LoadedPolicy } from './compiled';
import { compileToolMatcher } from './glob';
import type { GuardAction } from './types';

// `pattern` keywords run on hostile input: RE2 semantics keep them linear.
export const re2Engine = Object.assign(
  (pattern: string, flags: string) => {
    const regex = RE2JS.compile(pattern, flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0);
    return { test: (text: string) => regex.matcher(text).find() };
  },
  { code: 're2js' },
);
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, code: { regExp: re2Engine } });

/**
 * Compiles one tool's JSON Schema (draft 2020-12 subset that ajv supports in its default draft-07 mode).
 * @returns the validator, or the compile error as text
 */
export function compileToolSchema(schema: unknown): { validate: ValidateFunction } | { error: string } {
  try {
    return { validate: ajv.compile(schema as object) };
  } catch (error) {
    return { error: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'invalid schema' };
  }
}

/** The validator's first complaint, naming where (`/amount must be <= 5000`, `unknown key 'Amount'`). */
export function describeSchemaError(error: ErrorObject): string {
  const at = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') {
    return `unknown key '${String((error.params as { additionalProperty?: unknown }).additionalProperty)}' at ${at}`;
  }
  if (error.keyword === 'required') {
    return `missing required key '${String((error.params as { missingProperty?: unknown }).missingProperty)}' at ${at}`;
  }
  return `${at} ${error.message ?? 'is invalid'}`;
}

const precedence: Record<GuardAction, number> = { allow: 0, modify: 1, escalate: 2, block: 3 };

/** What the tool gate decided about one call before any rule ran. */
export interface ToolGateResult {
  rule: CompiledRule;
  message: string;
  /** Whether rules still run (an unknown tool) or the call stops here (an input that fails its schema). */
  final: boolean;
}

/**
 * Tool schemas and the unknown-tool choice of every loaded policy. A call whose input fails a schema is
 * blocked with the validator's message before any rule runs; a call to a tool that no policy names (in a
 * rule's `tools` other than `*`, or in `toolSchemas`) takes the strictest `unknownTools` action; a near miss
 * of a known name (case, spaces, `-` or `_`) is reported as such and at least escalates.
 */
export class ToolGate {
  private readonly schemas = new Map<string, ValidateFunction[]>();
  private readonly exactNames = new Set<string>();
  private readonly ownGlobs: (tool: string) => boolean;
  private readonly byNormalName = new Map<string, string>();
  private readonly unknownTools: GuardAction;
  private readonly schemaRule: CompiledRule;
  private readonly unknownRule: CompiledRule;
  private readonly nearMissRule: CompiledRule;
  private readonly cache = new Map<string, { known: boolean; nearMiss?: string }>();

  constructor(policies: readonly LoadedPolicy[], rules: readonly CompiledRule[]) {
    let unknownTools: GuardAction = 'allow';
    for (const policy of policies) {
      for (const [tool, validate] of policy.toolSchemas ?? []) {
        this.schemas.set(tool, [...(this.schemas.get(tool) ?? []), validate]);
        this.byNormalName.set(normalName(tool), tool);
      }
      const choice = policy.unknownTools;
      if (choice && precedence[choice] > precedence[unknownTools]) unknownTools = choice;
    }
    this.unknownTools = unknownTools;
    // A glob makes the tools it matches known only in the loaded policy's own rules, where it is the author's
    // list of their tools (`export_*`). A base's globs (recommended.yaml's `refund_*`, `*_email`, `db_*`) are
    // guesses at anyone's tool names, made to apply its rules widely: as names they would hide every tool of the
    // family from `unknownTools`. Exact names count wherever they are.
    const own = new Set(policies.map((p) => p.name));
    const ownGlobs: string[] = [];
    for (const rule of rules) {
      for (const pattern of rule.tools) {
        if (pattern === '*') continue;
        if (/[*?]/.test(pattern)) {
          if (own.has(rule.policy)) ownGlobs.push(pattern);
          continue;
        }
        this.exactNames.add(pattern);
        this.byNormalName.set(normalName(pattern), pattern);
      }
    }
    this.ownGlobs = ownGlobs.length > 0 ? compileToolMatcher(ownGlobs) : () => false;
    const policy = policies[0]?.name ?? '';
    const escalation = policies.find((p) => p.defaults.escalation)?.defaults.escalation;
    this.schemaRule = gateRule('tool-schema', 'block', policy);
    this.unknownRule = gateRule('unknown-tool', unknownTools, policy, escalation);
    this.nearMissRule = gateRule(
      'unknown-tool',
      precedence[unknownTools] > precedence.escalate ? unknownTools : 'escalate',
      policy,
      escalation,
    );
  }

  /** Whether the gate can change any decision (so the engine may skip it entirely). */
  get active(): boolean {
    return this.schemas.size > 0 || this.unknownTools !== 'allow' || this.byNormalName.size > 0;
  }

  /** The gate's verdict on a call, or undefined when it passes. */
  check(tool: string, input: Record<string, unknown>): ToolGateResult | undefined {
    const validators = this.schemas.get(tool);
    if (validators) {
      for (const validate of validators) {
        if (!validate(input)) {
          const error = validate.errors?.[0];
          const detail = error ? describeSchemaError(error) : 'input does not match';
          return {
            rule: this.schemaRule,
            message: `input of '${tool}' does not match its schema: ${detail}`,
            final: true,
          };
        }
      }
      return undefined;
    }
    const { known, nearMiss } = this.lookup(tool);
    if (nearMiss !== undefined) {
      return {
        rule: this.nearMissRule,
        message: `unknown tool '${tool}': a near miss of the known tool '${nearMiss}' (case, spaces, separators or look-alike letters differ)`,
        final: false,
      };
    }
    if (known || this.unknownTools === 'allow') return undefined;
    return { rule: this.unknownRule, message: `unknown tool '${tool}': no rule or schema names it`, final: false };
  }

  private lookup(tool: string): { known: boolean; nearMiss?: string } {
    let entry = this.cache.get(tool);
    if (!entry) {
      const known = this.exactNames.has(tool) || this.ownGlobs(tool);
      // A glob may match a misspelt name too (`send_*` matches `send_Email`): the exact near miss still counts.
      // A name a policy lists exactly is never a near miss, even of another listed spelling (`bash` and `Bash`).
      const candidate = this.exactNames.has(tool) ? undefined : this.byNormalName.get(normalName(tool));
      entry = candidate !== undefined && candidate !== tool ? { known, nearMiss: candidate } : { known };
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(tool, entry);
    }
    return entry;
  }
}

// Cyrillic and Greek letters drawn like Latin ones (Unicode's confusables for the letters of tool names).
const confusables: Record<string, string> = {
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  һ: 'h',
  ӏ: 'l',
  ԛ: 'q',
  ԝ: 'w',
  ο: 'o',
  α: 'a',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ɡ: 'g',
};

/** A name as a reader sees it: case, separators, invisible characters, compatibility forms and look-alikes folded. */
function normalName(tool: string): string {
  const folded = tool
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{Cf}\s_\-.]+/gu, '');
  return /[^\x00-\x7f]/.test(folded) ? folded.replace(/[^\x00-\x7f]/g, (c) => confusables[c] ?? c) : folded;
}

function gateRule(
  id: string,
  action: GuardAction,
  policy: string,
  escalation?: CompiledRule['escalation'],
): CompiledRule {
  return {
    id,
    policy,
    type: 'static',
    action,
    mode: 'enforce',
    tools: ['*'],
    matchesTool: () => true,
    ...(escalation && action === 'escalate' ? { escalation } : {}),
    fallback: 'escalate',
  };
}
