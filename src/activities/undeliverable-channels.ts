/** The channels of an escalation that this worker can deliver nowhere: no webhook of that name, and no outbox. */
import type { EscalationSettings, PolicyDecision } from '../policy/types';
import type { NotificationDeps } from './create-activities';

/** Every channel an escalation may tell: the rule's, its ladder's route steps' and its onTimeout escalation's. */
export function escalationChannels(escalation: EscalationSettings | undefined): string[] {
  if (!escalation) return [];
  const names = new Set(escalation.channels ?? []);
  for (const step of escalation.ladder ?? []) {
    if (step.kind === 'route') for (const channel of step.channels ?? []) names.add(channel);
  }
  if (escalation.onTimeout?.action === 'escalate') {
    for (const channel of escalation.onTimeout.channels ?? []) names.add(channel);
  }
  return [...names];
}

/**
 * The escalating decision's channels without a destination on this worker, or undefined when every one has one (or
 * the decision does not escalate). A worker with a local outbox delivers every channel (there, at least).
 */
export function undeliverableChannels(
  decision: PolicyDecision,
  notifications: NotificationDeps | undefined,
): string[] | undefined {
  if (decision.action !== 'escalate' || notifications?.outbox) return undefined;
  const targets = new Set(notifications?.notifier.targetNames ?? []);
  const missing = escalationChannels(decision.escalation).filter((channel) => !targets.has(channel));
  return missing.length > 0 ? missing : undefined;
}
