import type { GuardAction } from '../types';
import type { Detector } from './detector';

/**
 * How sure a detector is. A plain detector's finding takes the rule's action; a `suspicious` finding (code
 * made at run time, data piped into a shell) at most escalates; an `unparseable` finding (a command or
 * statement that does not parse, or is too long to parse) takes the rule's `onUnparseable` action.
 */
export type FindingLevel = 'suspicious' | 'unparseable';

/** A detector that says how sure its findings are. */
export interface GradedDetector extends Detector {
  readonly level?: FindingLevel;
}

/** The level of a detector's findings; undefined for a plain (certain) detector. */
export function levelOf(detector: Detector): FindingLevel | undefined {
  return (detector as GradedDetector).level;
}

const precedence: Record<GuardAction, number> = { allow: 0, modify: 1, escalate: 2, block: 3 };

/**
 * The action a rule takes for its findings: the strongest over them, where a plain finding gives the rule's
 * action, a suspicious one at most `escalate`, and an unparseable one `onUnparseable`.
 * @returns undefined when every finding maps to `allow` and the rule's action is not `allow` (nothing to do)
 */
export function findingsAction(
  ruleAction: GuardAction,
  onUnparseable: GuardAction,
  levels: readonly (FindingLevel | undefined)[],
): GuardAction | undefined {
  let action: GuardAction | undefined;
  for (const level of levels) {
    let candidate: GuardAction = ruleAction;
    if (level === 'suspicious' && precedence[ruleAction] > precedence.escalate) candidate = 'escalate';
    else if (level === 'unparseable') candidate = onUnparseable;
    if (action === undefined || precedence[candidate] > precedence[action]) action = candidate;
  }
  if (action === 'allow' && ruleAction !== 'allow') return undefined;
  return action;
}
