/** Our workflow metrics, emitted through the worker runtime's meter (suppressed during replay). */
import { metricMeter } from '@temporalio/workflow';
import type { PolicyDecision } from '../policy/types';

const decisions = metricMeter.createCounter(
  'durable_guard_decisions',
  'decisions',
  'Policy decisions by tool and action',
);
const wouldBlock = metricMeter.createCounter('durable_guard_would_block', 'decisions', 'Audit-mode rule hits');
const escalationWait = metricMeter.createHistogram(
  'durable_guard_escalation_wait',
  'int',
  'ms',
  'Time an escalation waited for a human or its timeout',
);
const approvals = metricMeter.createCounter(
  'durable_guard_escalation_outcomes',
  'escalations',
  'Escalations by outcome',
);

const shadowDisagreements = metricMeter.createCounter(
  'durable_guard_shadow_disagreements',
  'decisions',
  "Decisions where the worker's shadow policy chose another action than the live one",
);

/** One decision whose shadow policy disagreed: `action` the live policy's, `shadowAction` the shadow's. */
export function recordShadowDisagreement(tool: string, action: string, shadowAction: string): void {
  shadowDisagreements.add(1, { tool, action, shadow_action: shadowAction });
}

export function recordDecisionMetrics(tool: string, decision: PolicyDecision): void {
  decisions.add(1, { tool, action: decision.action });
  if (decision.rulesTriggered.some((hit) => hit.mode === 'audit')) wouldBlock.add(1, { tool });
}

/** `outcome` is the final action after a human decided (allow, modify, block) or 'timeout'. */
export function recordEscalationWait(tool: string, waitedMs: number, outcome: string): void {
  escalationWait.record(Math.max(0, Math.round(waitedMs)), { tool, outcome });
  approvals.add(1, { tool, outcome });
}
