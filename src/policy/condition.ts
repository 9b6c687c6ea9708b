import { Environment } from '@marcbachmann/cel-js';

/** Variables a condition can read. */
export interface ConditionScope {
  tool: string;
  input: Record<string, unknown>;
  context: Record<string, unknown>;
}

/** A condition compiled once at load; evaluating it may throw (a CEL runtime error). */
export type CompiledCondition = (scope: ConditionScope) => unknown;

const environment = new Environment({ homogeneousAggregateLiterals: false })
  .registerVariable('tool', 'string')
  .registerVariable('input', 'map')
  .registerVariable('context', 'map');

/**
 * Parses and type-checks a CEL condition over `tool`, `input` and `context`.
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
    return { condition: (scope) => parsed(scope as unknown as Record<string, unknown>) };
  } catch (error) {
    return { error: firstLine(error instanceof Error ? error.message : String(error)) };
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? text;
}
