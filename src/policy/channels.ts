import type { LoadedPolicy } from './compiled';

/** Every notification channel the policies' rules and defaults name, sorted. */
export function policyChannels(policies: readonly LoadedPolicy[]): string[] {
  const names = new Set<string>();
  for (const policy of policies) {
    for (const channel of policy.defaults.escalation?.channels ?? []) names.add(channel);
    for (const rule of policy.rules) for (const channel of rule.escalation?.channels ?? []) names.add(channel);
  }
  return [...names].sort();
}

/** The one line that reports channels without a destination, or undefined when every channel has one. */
export function missingChannelsLine(
  channels: readonly string[],
  destinations: readonly string[],
  where: string,
): string | undefined {
  const missing = channels.filter((channel) => !destinations.includes(channel));
  if (missing.length === 0) return undefined;
  const list = missing.map((c) => `'${c}'`).join(', ');
  return `durable-guard: channel${missing.length > 1 ? 's' : ''} ${list} ${missing.length > 1 ? 'have' : 'has'} no destination: ${where}`;
}
