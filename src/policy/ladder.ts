/**
 * Escalation ladders in a policy: compiling `ladder`, `onTimeout` and `maxWindow` under `escalation`, and the
 * problems the schema cannot see (a step after the window ends, a route to groups where anyone may approve).
 */
import { parseDuration } from './duration';
import type { EscalationSpec } from './schema';
import type { EscalationSettings, LadderStep, TimeoutOutcome } from './types';

type LadderSpec = NonNullable<EscalationSpec['ladder']>[number];
type Problem = [(string | number)[], string];

function compileStep(step: LadderSpec): LadderStep {
  const at = typeof step.after === 'number' ? { fraction: step.after } : { afterMs: parseDuration(step.after)! };
  if (!step.route) return { ...at, kind: 'remind' };
  return {
    ...at,
    kind: 'route',
    ...(step.route.approverGroups ? { approverGroups: step.route.approverGroups } : {}),
    ...(step.route.channels ? { channels: step.route.channels } : {}),
  };
}

function compileOnTimeout(spec: NonNullable<EscalationSpec['onTimeout']>): TimeoutOutcome {
  if (spec === 'block' || spec === 'allow') return { action: spec };
  const { approverGroups, channels, timeout } = spec.escalate;
  return { action: 'escalate', approverGroups, ...(channels ? { channels } : {}), timeoutMs: parseDuration(timeout)! };
}

/** The ladder settings of a validated `escalation` block (none of them when it has no ladder). */
export function compileLadder(spec: EscalationSpec): Pick<EscalationSettings, 'ladder' | 'onTimeout' | 'maxWindowMs'> {
  return {
    ...(spec.ladder ? { ladder: spec.ladder.map(compileStep) } : {}),
    ...(spec.onTimeout !== undefined ? { onTimeout: compileOnTimeout(spec.onTimeout) } : {}),
    ...(spec.maxWindow !== undefined ? { maxWindowMs: parseDuration(spec.maxWindow)! } : {}),
  };
}

/**
 * Steps at or after the window's end, a route to groups on a rule anyone may approve, a maxWindow shorter than the
 * window: each with its path under `escalation`.
 */
export function ladderProblems(spec: EscalationSpec | undefined): Problem[] {
  if (!spec) return [];
  const found: Problem[] = [];
  const windowMs = spec.timeout === undefined ? undefined : parseDuration(spec.timeout);
  const anyone = !spec.approverGroups?.length;
  spec.ladder?.forEach((step, i) => {
    const afterMs = typeof step.after === 'string' ? parseDuration(step.after) : undefined;
    if (afterMs !== undefined && windowMs !== undefined && afterMs >= windowMs) {
      found.push([
        ['ladder', i, 'after'],
        `ladder step at ${step.after} is not before the window ends (${spec.timeout}): it would never run ` +
          '(use onTimeout for the end of the window)',
      ]);
    }
    if (step.route?.approverGroups?.length && anyone) {
      found.push([
        ['ladder', i, 'route', 'approverGroups'],
        'this escalation has no approverGroups, so anyone may approve already: routing to groups adds nobody ' +
          '(give the escalation approverGroups, or route to channels only)',
      ]);
    }
  });
  const maxMs = spec.maxWindow === undefined ? undefined : parseDuration(spec.maxWindow);
  if (maxMs !== undefined && windowMs !== undefined && maxMs < windowMs) {
    found.push([['maxWindow'], `maxWindow ${spec.maxWindow} is shorter than the window (${spec.timeout})`]);
  }
  return found;
}
