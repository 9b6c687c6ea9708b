import type { DecisionBudget } from './budget';
import type { CompiledModifyOp } from './compiled';
import { redactValue } from './detectors/scan';
import { getAt, removeAt, setAt } from './json-pointer';

/** Deep copy of a JSON value; own `__proto__` keys stay plain data. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => cloneJson(item)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, {
        value: cloneJson((value as Record<string, unknown>)[key]),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return out as T;
  }
  return value;
}

/**
 * Applies modify operations in order to a copy of `input`; the argument is never changed.
 * Operations that do not apply (clamping a string, removing a missing field) leave the input as it is.
 * @param budget - the decision's budget, charged by redaction
 * @throws DecisionBudgetError when redaction runs out of budget
 */
export function applyModifyOps(
  input: Record<string, unknown>,
  ops: readonly CompiledModifyOp[],
  budget?: DecisionBudget,
): Record<string, unknown> {
  let current = cloneJson(input);
  for (const op of ops) {
    switch (op.op) {
      case 'redact':
        if (!op.scope) {
          current = redactValue(current, op.detectors, budget) as Record<string, unknown>;
          break;
        }
        for (const tokens of op.scope) {
          const value = getAt(current, tokens);
          if (value === undefined) continue;
          if (tokens.length === 0) current = redactValue(value, op.detectors, budget) as Record<string, unknown>;
          else setAt(current, tokens, redactValue(value, op.detectors, budget));
        }
        break;
      case 'set':
        setAt(current, op.tokens, cloneJson(op.value));
        break;
      case 'remove':
        removeAt(current, op.tokens);
        break;
      case 'clamp': {
        const value = getAt(current, op.tokens);
        if (typeof value !== 'number' || Number.isNaN(value)) break;
        let clamped = value;
        if (op.min !== undefined && clamped < op.min) clamped = op.min;
        if (op.max !== undefined && clamped > op.max) clamped = op.max;
        if (clamped !== value) setAt(current, op.tokens, clamped);
        break;
      }
    }
  }
  return current;
}
