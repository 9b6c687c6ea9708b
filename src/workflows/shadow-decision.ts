/**
 * The shadow policy's decision of a call, recorded beside the live one: the `GuardShadowAction` attribute (in the
 * decision's own upsert), and where it differs a `guard:shadow:<tool>` span and the disagreement metric. The call
 * itself is decided by the live policy alone.
 */
import { context, trace, type Attributes } from '@opentelemetry/api';
import type { GuardAction } from '../policy/types';
import { guardShadowActionKey, type ShadowDecision } from './definitions';
import { recordShadowDisagreement } from './metrics';

/** Span name of a decision the shadow policy disagrees with, e.g. `guard:shadow:process_refund`. */
export function shadowSpanName(tool: string): string {
  return `guard:shadow:${tool}`;
}

/** The attribute pair that joins the decision's upsert. */
export function shadowAttribute(shadow: ShadowDecision) {
  return { key: guardShadowActionKey, value: shadow.action };
}

/** Records the span and the metric of a disagreement; nothing when the shadow policy agrees. */
export function recordShadowDecision(
  tool: string,
  live: { action: GuardAction; escalationId: string },
  shadow: ShadowDecision,
  startedAt: number,
): void {
  if (shadow.action === live.action) return;
  recordShadowDisagreement(tool, live.action, shadow.action);
  const attributes: Attributes = {
    'guard.tool': tool,
    'guard.action': live.action,
    'guard.escalation_id': live.escalationId,
    'guard.shadow.action': shadow.action,
    'guard.shadow.rule_ids': shadow.rules,
    'guard.shadow.policy_version': shadow.policyVersion,
  };
  if (shadow.skippedRules) attributes['guard.shadow.skipped_rule_ids'] = shadow.skippedRules;
  trace
    .getTracer('durable-guard')
    .startSpan(shadowSpanName(tool), { startTime: startedAt, attributes }, context.active())
    .end();
}
