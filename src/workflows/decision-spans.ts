/**
 * One OpenTelemetry span per decision, made inside the workflow. With the OpenTelemetry workflow interceptors
 * installed, the active context is the `RunWorkflow:guardedCall` span, itself a child of the caller's span (the
 * client interceptor sends the caller's trace context in the workflow headers), and the spans leave the sandbox
 * through the interceptors' exporter sink, which is not called during replay: a replayed decision is not exported
 * twice. Span IDs come from the sandbox's seeded random source and times from workflow time, so replays are
 * deterministic. Without the interceptors the tracer is the API's no-op tracer.
 *
 * `@opentelemetry/api` is the one import here beyond `@temporalio/workflow`: it is pure, and the interceptors'
 * own workflow module is built on it.
 */
import { context, trace, type Attributes } from '@opentelemetry/api';
import type { GuardAction } from '../policy/types';
import type { GuardResult } from './definitions';

const VERB: Record<GuardAction, string> = {
  allow: 'allowed',
  block: 'blocked',
  modify: 'modified',
  escalate: 'escalated',
};

/** Span name of a decision, e.g. `guard:blocked:process_refund`. */
export function decisionSpanName(action: GuardAction, tool: string): string {
  return `guard:${VERB[action]}:${tool}`;
}

/** Span name of one audit-mode rule hit. */
export function wouldBlockSpanName(tool: string): string {
  return `guard:would-block:${tool}`;
}

export interface DecisionSpan {
  tool: string;
  result: GuardResult;
  /** Workflow time (ms) when the decision began: the span covers the policy evaluation or the wait. */
  startedAt: number;
  /** The policy's own decision carries its audit hits as child spans; a later human or timeout decision does not. */
  withAuditHits: boolean;
  /** How long the escalation waited, for the final decision after a human or the timeout. */
  waitedMs?: number;
}

/** Records the decision span (and a `guard:would-block:<tool>` child per audit-mode hit). */
export function recordDecisionSpan({ tool, result, startedAt, withAuditHits, waitedMs }: DecisionSpan): void {
  const tracer = trace.getTracer('durable-guard');
  const attributes: Attributes = {
    'guard.tool': tool,
    'guard.action': result.action,
    'guard.rule_ids': result.rulesTriggered.map((hit) => hit.id),
  };
  if (result.escalationId) attributes['guard.escalation_id'] = result.escalationId;
  if (result.decidedBy) attributes['guard.decided_by'] = result.decidedBy.kind;
  if (result.decidedBy?.identity) attributes['guard.decided_by.identity'] = result.decidedBy.identity;
  if (result.policyVersion) attributes['guard.policy_version'] = result.policyVersion;
  if (waitedMs !== undefined) attributes['guard.escalation.wait_ms'] = waitedMs;
  const audit = result.rulesTriggered.filter((hit) => hit.mode === 'audit');
  if (audit.length > 0) attributes['guard.audit_rule_ids'] = audit.map((hit) => hit.id);

  const parent = context.active();
  const span = tracer.startSpan(decisionSpanName(result.action, tool), { startTime: startedAt, attributes }, parent);
  if (withAuditHits) {
    const withSpan = trace.setSpan(parent, span);
    for (const hit of audit) {
      const hitAttributes: Attributes = {
        'guard.tool': tool,
        'guard.action': result.action,
        'guard.rule_id': hit.id,
        'guard.rule_action': hit.action,
      };
      if (result.escalationId) hitAttributes['guard.escalation_id'] = result.escalationId;
      tracer.startSpan(wouldBlockSpanName(tool), { attributes: hitAttributes }, withSpan).end();
    }
  }
  span.end();
}
