/** One-click links sent to a notification channel: issued to the channel, deciding with its configured groups. */
import type { ApprovalLinkSigner, LinkDecision } from './approval-links';

/** A channel as the links see it: its name and the approver groups its readers hold. */
export interface LinkChannel {
  name?: string;
  groups?: string[];
}

/**
 * The `linkFor` of the notify activity: a link for `decision` on `escalationId`, issued to `channel` and carrying
 * that channel's `groups` (none when it has none, and then it cannot decide an escalation whose rule has groups).
 */
export function channelLinkFor(
  signer: ApprovalLinkSigner,
  publicUrl: string,
  channels: LinkChannel[],
): (escalationId: string, decision: LinkDecision, channel: string) => string {
  const groupsOf = new Map(channels.map((channel) => [channel.name, channel.groups ?? []]));
  return (escalationId, decision, channel) =>
    `${publicUrl}/v1/links/${signer.sign({ escalationId, decision, approver: channel, groups: groupsOf.get(channel) })}`;
}
