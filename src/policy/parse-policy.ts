import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import type { ValidateFunction } from 'ajv';
import type { Document } from 'yaml';
import { LineCounter, parseDocument } from 'yaml';

import type { CompiledModifyOp, CompiledRule, LoadedPolicy } from './compiled';
import { compileCondition } from './condition';
import { resolveDetectors } from './detectors/registry';
import { parseDuration } from './duration';
import type { PolicyIssue } from './errors';
import { PolicyError } from './errors';
import { compileToolMatcher } from './glob';
import { parsePointer } from './json-pointer';
import { compileApprovals } from './quorum-settings';
import type { EscalationSpec, PolicyFile, RuleSpec } from './schema';
import { policyFileSchema } from './schema';
import { compileToolSchema } from './tool-schemas';
import { compileLadder, ladderProblems } from './ladder';
import type { EscalationSettings } from './types';

type Path = readonly PropertyKey[];

/**
 * Parses, validates and compiles one policy from its text. YAML and JSON are both accepted.
 * CEL conditions are compiled here, once.
 * @param source - the file's text
 * @param fileName - the name used in error messages and as the default policy name
 * @returns the compiled policy
 * @throws PolicyError listing every problem as `file:line: rule 'id': message`
 */
export function parsePolicy(source: string, fileName: string, extending: readonly string[] = []): LoadedPolicy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter });
  if (doc.errors.length > 0) {
    throw new PolicyError(
      doc.errors.map((error) => ({
        file: fileName,
        line: error.linePos?.[0].line,
        message: `invalid YAML/JSON: ${(error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }
  const data: unknown = doc.toJS();
  const locate = (path: Path): PolicyIssue => locateIssue(doc, lineCounter, data, fileName, path);
  const parsed = policyFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    throw new PolicyError(
      parsed.error.issues.map((issue) => {
        const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
        const message =
          issue.code === 'unrecognized_keys'
            ? `unknown key ${issue.keys.map((k) => `'${k}'`).join(', ')} (check the spelling; see docs/policies.md)`
            : issue.message;
        return { ...locate(path), message };
      }),
    );
  }
  const issues: PolicyIssue[] = [];
  const fail = (path: Path, message: string): void => void issues.push({ ...locate(path), message });
  const policyName = parsed.data.policy ?? fileName.replace(/^.*[\\/]/, '').replace(/\.(ya?ml|json)$/, '');
  const rules = compileRules(parsed.data, policyName, fail);
  for (const [path, message] of ladderProblems(parsed.data.defaults?.escalation)) {
    fail(['defaults', 'escalation', ...path], message);
  }
  const toolSchemas = new Map<string, ValidateFunction>();
  for (const [tool, schema] of Object.entries(parsed.data.toolSchemas ?? {})) {
    const compiled = compileToolSchema(schema);
    if ('error' in compiled) fail(['toolSchemas', tool], `invalid JSON Schema for tool '${tool}': ${compiled.error}`);
    else toolSchemas.set(tool, compiled.validate);
  }
  if (issues.length > 0) throw new PolicyError(issues);
  const bases = loadBases(parsed.data.extends, fileName, extending, locate(['extends']));
  const own: LoadedPolicy = {
    name: policyName,
    file: fileName,
    hash: createHash('sha256').update(source).digest('hex'),
    rules,
    defaults: {
      action: parsed.data.defaults?.action ?? 'allow',
      escalation: compileEscalation(parsed.data.defaults?.escalation),
    },
    limits: { ...parsed.data.limits },
    ...(toolSchemas.size > 0 ? { toolSchemas } : {}),
    ...(parsed.data.unknownTools ? { unknownTools: parsed.data.unknownTools } : {}),
  };
  return bases.length === 0 ? own : mergeBases(bases, own, parsed.data.defaults?.action !== undefined);
}

/** `extends:` files, read relative to the extending file; a cycle or a missing file is an error. */
function loadBases(
  spec: string | string[] | undefined,
  fileName: string,
  extending: readonly string[],
  at: PolicyIssue,
): LoadedPolicy[] {
  if (spec === undefined) return [];
  const chain = [...extending, resolve(fileName)];
  return (typeof spec === 'string' ? [spec] : spec).map((relative) => {
    const path = resolve(dirname(fileName), relative);
    if (chain.includes(path)) {
      throw new PolicyError({ ...at, message: `extends '${relative}' forms a cycle (${chain.join(' -> ')})` });
    }
    let source: string;
    try {
      source = readFileSync(path, 'utf8');
    } catch (error) {
      throw new PolicyError({ ...at, message: `extends '${relative}': cannot read ${path}` }, { cause: error });
    }
    return parsePolicy(source, path, chain);
  });
}

/** The extending policy's rules after its bases' rules; schemas merge, the strictest unknownTools wins. */
function mergeBases(bases: LoadedPolicy[], own: LoadedPolicy, ownDefault: boolean): LoadedPolicy {
  const precedence = { allow: 0, modify: 1, escalate: 2, block: 3 } as const;
  const toolSchemas = new Map<string, ValidateFunction>();
  let unknownTools = own.unknownTools;
  for (const policy of [...bases, own]) {
    for (const [tool, validate] of policy.toolSchemas ?? []) toolSchemas.set(tool, validate);
    if (policy.unknownTools && (!unknownTools || precedence[policy.unknownTools] > precedence[unknownTools])) {
      unknownTools = policy.unknownTools;
    }
  }
  const owners = new Map<string, string>();
  for (const policy of [...bases, own]) {
    for (const rule of policy.rules) {
      const owner = owners.get(rule.id);
      if (owner !== undefined) {
        throw new PolicyError({
          file: own.file,
          ruleId: rule.id,
          message: `rule id also used in ${owner} (extends); rule ids must be unique across the chain`,
        });
      }
      owners.set(rule.id, policy.file);
    }
  }
  const base = bases[bases.length - 1] as LoadedPolicy;
  return {
    ...own,
    hash: createHash('sha256')
      .update([...bases.map((b) => b.hash), own.hash].join('\n'))
      .digest('hex'),
    rules: [...bases.flatMap((b) => b.rules), ...own.rules],
    defaults: ownDefault
      ? own.defaults
      : { action: base.defaults.action, escalation: own.defaults.escalation ?? base.defaults.escalation },
    limits: Object.assign({}, ...bases.map((b) => b.limits), own.limits) as LoadedPolicy['limits'],
    ...(toolSchemas.size > 0 ? { toolSchemas } : {}),
    ...(unknownTools ? { unknownTools } : {}),
  };
}

/**
 * Reads and parses one policy file.
 * @param path - a `.yaml`, `.yml` or `.json` file
 * @throws PolicyError when the file cannot be read or is invalid
 */
export function loadPolicyFile(path: string): LoadedPolicy {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new PolicyError({ file: path, message: `cannot read policy file: ${reason}` }, { cause: error });
  }
  return parsePolicy(source, path);
}

function compileRules(file: PolicyFile, policy: string, fail: (path: Path, message: string) => void): CompiledRule[] {
  const seen = new Map<string, number>();
  const rules: CompiledRule[] = [];
  file.rules.forEach((spec, index) => {
    const at = (...rest: PropertyKey[]): Path => ['rules', index, ...rest];
    const previous = seen.get(spec.id);
    if (previous !== undefined)
      fail(at('id'), `duplicate rule id (rule #${previous + 1} has it too); ids must be unique`);
    seen.set(spec.id, index);
    const rule = compileRule(spec, policy, (path, message) => fail(at(...path), message));
    if (rule) rules.push(rule);
  });
  return rules;
}

function compileRule(
  spec: RuleSpec,
  policy: string,
  fail: (path: Path, message: string) => void,
): CompiledRule | undefined {
  const type = spec.type ?? 'static';
  let ok = true;
  const problem = (path: Path, message: string): void => {
    ok = false;
    fail(path, message);
  };
  if (type === 'static' && spec.action === undefined) {
    problem([], 'missing action (expected allow, block, modify, escalate)');
  }
  if (type !== 'static' && spec.action !== undefined) {
    problem(['action'], `${type} rules take their action from the verdict; remove 'action'`);
  }
  if (type === 'llm-judge' && !spec.llm) problem([], "llm-judge rule needs 'llm: { baseUrl, model, prompt }'");
  if (type !== 'llm-judge' && spec.llm) problem(['llm'], "'llm' only applies to rules with type: llm-judge");
  if (type === 'remote' && !spec.remote) problem([], "remote rule needs 'remote: { url }'");
  if (type !== 'remote' && spec.remote) problem(['remote'], "'remote' only applies to rules with type: remote");
  if (type !== 'llm-judge' && spec.fallback) {
    problem(['fallback'], "'fallback' only applies to llm-judge rules (remote rules use failOpen)");
  }
  if (spec.action === 'modify' && !spec.modify) {
    problem(['action'], "modify rule needs 'modify:' operations (redact, set, remove, clamp)");
  }
  if (spec.modify && spec.action !== 'modify') problem(['modify'], "'modify' operations need action: modify");
  if (spec.escalation && type === 'static' && spec.action !== 'escalate') {
    problem(['escalation'], "'escalation' settings only apply to action: escalate");
  }
  for (const [path, message] of ladderProblems(spec.escalation)) problem(['escalation', ...path], message);

  const detectorOptions = spec.dialect ? { dialect: spec.dialect } : {};
  const detectors = spec.detectors ? resolveDetectors(spec.detectors, detectorOptions) : undefined;
  if (spec.dialect && !detectors?.some((d) => d.group === 'sql'))
    problem(['dialect'], "'dialect' only applies to rules with sql detectors");
  if (spec.onUnparseable && !detectors)
    problem(['onUnparseable'], "'onUnparseable' only applies to rules with detectors");
  const scope = spec.scope?.map((pointer) => parsePointer(pointer) ?? []);
  let condition: CompiledRule['condition'];
  if (spec.condition !== undefined) {
    const compiled = compileCondition(spec.condition);
    if ('error' in compiled) problem(['condition'], `invalid CEL condition: ${compiled.error}`);
    else condition = { source: spec.condition, evaluate: compiled.condition };
  }
  const modify = spec.modify?.map((op, i): CompiledModifyOp | undefined => {
    switch (op.op) {
      case 'redact': {
        const names = op.detectors ?? spec.detectors;
        if (!names) {
          problem(['modify', i], 'redact needs detectors: list them on the op or on the rule (e.g. detectors: [pii])');
          return undefined;
        }
        return { op: 'redact', detectors: resolveDetectors(names, detectorOptions) ?? [], ...(scope ? { scope } : {}) };
      }
      case 'set':
        return { op: 'set', tokens: parsePointer(op.path) ?? [], value: op.value };
      case 'remove':
        return { op: 'remove', tokens: parsePointer(op.path) ?? [] };
      case 'clamp':
        if (op.min === undefined && op.max === undefined) problem(['modify', i], 'clamp needs min, max or both');
        else if (op.min !== undefined && op.max !== undefined && op.min > op.max) {
          problem(['modify', i], `clamp min ${op.min} is above max ${op.max}`);
        }
        return { op: 'clamp', tokens: parsePointer(op.path) ?? [], min: op.min, max: op.max };
    }
  });
  if (!ok) return undefined;
  const tools = typeof spec.tools === 'string' ? [spec.tools] : spec.tools;
  return {
    id: spec.id,
    policy,
    type,
    action: spec.action ?? 'escalate',
    mode: spec.mode ?? 'enforce',
    message: spec.message,
    tools,
    matchesTool: compileToolMatcher(tools),
    condition,
    detectors,
    scope,
    modify: modify as CompiledModifyOp[] | undefined,
    escalation: compileEscalation(spec.escalation),
    llm: spec.llm && {
      baseUrl: spec.llm.baseUrl.replace(/\/+$/, ''),
      model: spec.llm.model,
      prompt: spec.llm.prompt,
      apiKeyEnv: spec.llm.apiKeyEnv,
      timeoutMs: parseDuration(spec.llm.timeout ?? '10s') as number,
      retries: spec.llm.retries ?? 1,
    },
    remote: spec.remote && {
      url: spec.remote.url,
      apiKeyEnv: spec.remote.apiKeyEnv,
      timeoutMs: parseDuration(spec.remote.timeout ?? '5s') as number,
      retries: spec.remote.retries ?? 1,
      failOpen: spec.remote.failOpen ?? false,
    },
    fallback: spec.fallback ?? 'escalate',
    ...(spec.onUnparseable ? { onUnparseable: spec.onUnparseable } : {}),
  };
}

function compileEscalation(spec: EscalationSpec | undefined): EscalationSettings | undefined {
  if (!spec) return undefined;
  const settings: EscalationSettings = {};
  if (spec.timeout !== undefined) settings.timeoutMs = parseDuration(spec.timeout);
  Object.assign(settings, compileApprovals(spec.approvals, spec.approverGroups));
  if (spec.channels) settings.channels = spec.channels;
  if (spec.maxGrant !== undefined) settings.maxGrantMs = parseDuration(spec.maxGrant);
  return { ...settings, ...compileLadder(spec) };
}

function locateIssue(doc: Document, lineCounter: LineCounter, data: unknown, file: string, path: Path): PolicyIssue {
  const keys = path.filter((k): k is string | number => typeof k === 'string' || typeof k === 'number');
  let line: number | undefined;
  for (let length = keys.length; length >= 0 && line === undefined; length--) {
    const node = doc.getIn(keys.slice(0, length), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) line = lineCounter.linePos(node.range[0]).line;
  }
  let ruleId: string | undefined;
  if (keys[0] === 'rules' && typeof keys[1] === 'number') {
    const rule = (data as { rules?: unknown[] } | null)?.rules?.[keys[1]] as { id?: unknown } | undefined;
    ruleId = typeof rule?.id === 'string' ? rule.id : `#${keys[1] + 1}`;
  }
  return { file, line, ruleId, message: '' };
}
