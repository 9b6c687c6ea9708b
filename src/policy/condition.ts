import { Environment } from '@marcbachmann/cel-js';

import type { DecisionBudget } from './budget';
import { paymentAmount } from './payment-amount';
import { compileRe2, re2Test } from './re2';

/** Variables a condition can read. */
export interface ConditionScope {
  tool: string;
  input: Record<string, unknown>;
  context: Record<string, unknown>;
}

/**
 * A condition compiled once at load; evaluating it may throw (a CEL runtime error, or the budget's
 * DecisionBudgetError: `matches()` charges the text it searches to `budget`).
 */
export type CompiledCondition = (scope: ConditionScope, budget?: DecisionBudget) => unknown;

// The library's own `matches()` runs JavaScript regular expressions, which backtrack: a condition's pattern against
// hostile input could take time exponential in it. Conditions call this one instead (see rewriteMatches).
const RE2_MATCHES = 'matchesRe2';

/** The budget of the decision being evaluated: evaluation is synchronous, so one at a time. */
let activeBudget: DecisionBudget | undefined;

function matchesRe2(text: string, pattern: string): boolean {
  activeBudget?.spend(text.length);
  return re2Test(text, pattern);
}

const environment = new Environment({ homogeneousAggregateLiterals: false })
  .registerVariable('tool', 'string')
  .registerVariable('input', 'map')
  .registerVariable('context', 'map')
  // The amount a payment tool's input moves, in major units, whatever its field and notation (payment-amount.ts).
  .registerFunction('paymentAmount(map): double', (input: Record<string, unknown>) => paymentAmount(input));
// Type-checked and run instead of `matches`: the library's signature (receiver form only), RE2 semantics.
const re2Environment = environment.clone().registerFunction(`string.${RE2_MATCHES}(string): bool`, matchesRe2);

/** An AST node as the CEL parser gives it: an operator, its arguments, its place in the source. */
interface Node {
  op: string;
  args: unknown;
  start: number;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

/** Every `matches` call in the tree: where its name is in the source, and its pattern when that is a literal. */
function findMatchesCalls(root: unknown): { node: Node; receiver?: Node; pattern?: unknown }[] {
  const found: { node: Node; receiver?: Node; pattern?: unknown }[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...(value as unknown[]));
    else if (isNode(value)) {
      const args = value.args;
      if ((value.op === 'rcall' || value.op === 'call') && Array.isArray(args) && args[0] === 'matches') {
        const receiver = value.op === 'rcall' && isNode(args[1]) ? args[1] : undefined;
        const list = (value.op === 'rcall' ? args[2] : args[1]) as unknown[] | undefined;
        const patternNode = Array.isArray(list) ? list[list.length - 1] : undefined;
        found.push({
          node: value,
          receiver,
          pattern: isNode(patternNode) && patternNode.op === 'value' ? patternNode.args : undefined,
        });
      }
      stack.push(args);
    }
  }
  return found;
}

function rewriteMatches(source: string, calls: { node: Node; receiver?: Node }[]): string | undefined {
  const positions = calls.map(({ node, receiver }) =>
    source.indexOf('matches', receiver ? (receiver as unknown as { end: number }).end : node.start),
  );
  if (positions.some((at) => at < 0)) return undefined;
  let out = source;
  for (const at of [...positions].sort((a, b) => b - a)) {
    out = out.slice(0, at) + RE2_MATCHES + out.slice(at + 'matches'.length);
  }
  return out;
}

/**
 * Parses and type-checks a CEL condition over `tool`, `input` and `context`. `matches()` uses RE2 (the CEL spec's
 * semantics, linear time): a literal pattern that is not valid RE2 (backreferences, lookaround) is an error here.
 * @returns the compiled condition, or the first line of the CEL error message
 */
export function compileCondition(source: string): { condition: CompiledCondition } | { error: string } {
  try {
    const parsed = environment.parse(source);
    const checked = parsed.check();
    if (!checked.valid) return { error: firstLine(checked.error?.message ?? 'type error') };
    if (checked.type !== 'bool' && checked.type !== 'dyn') {
      return { error: `condition has type ${String(checked.type)}, expected bool` };
    }
    const calls = findMatchesCalls(parsed.ast);
    let evaluate: (scope: Record<string, unknown>) => unknown = parsed;
    if (calls.length > 0) {
      for (const { pattern } of calls) {
        if (typeof pattern !== 'string') continue;
        const compiled = compileRe2(pattern);
        if ('error' in compiled) {
          return { error: `matches() pattern '${pattern}' is not valid RE2: ${compiled.error}` };
        }
      }
      const rewritten = rewriteMatches(source, calls);
      if (rewritten === undefined) return { error: 'cannot compile the matches() calls of this condition' };
      evaluate = re2Environment.parse(rewritten);
    }
    return {
      condition: (scope, budget) => {
        const outer = activeBudget;
        activeBudget = budget;
        try {
          return evaluate(scope as unknown as Record<string, unknown>);
        } finally {
          activeBudget = outer;
        }
      },
    };
  } catch (error) {
    return { error: firstLine(error instanceof Error ? error.message : String(error)) };
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? text;
}
