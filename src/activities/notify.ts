import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import type { RuleHit } from '../policy/types';
import type { GuardErrorCode } from '../workflows/error-codes';

/** Where escalation events go. `standard` = signed Standard Webhooks JSON; `slack` = Slack incoming webhook. */
export interface WebhookTarget {
  /** Channel name that policies refer to (`escalation.channels`); also used in error messages. */
  name?: string;
  url: string;
  /** Standard Webhooks secret (`whsec_<base64>`); when set, requests carry `webhook-signature`. */
  secret?: string;
  format: 'standard' | 'slack';
  /**
   * Approver groups the readers of this channel hold: one-click links sent here decide with them. Without any, a
   * link from this channel cannot decide an escalation whose rule has approver groups.
   */
  groups?: string[];
}

/** Links a human follows to decide. */
export interface EscalationLinks {
  approve: string;
  deny: string;
  inbox: string;
}

/** An escalation event sent to webhook targets. */
export interface EscalationEvent {
  type: 'escalation.created' | 'escalation.reminder' | 'escalation.routed' | 'escalation.resolved';
  escalationId: string;
  tool: string;
  /** Omit when the tool input must not leave the system. */
  input?: Record<string, unknown>;
  reason: string;
  rulesTriggered: RuleHit[];
  /** ISO-8601 time the approval window closes. */
  expiresAt?: string;
  /**
   * On `escalation.reminder` (a ladder's reminder) and `escalation.routed` (a route step, or the move to the
   * onTimeout group): the number of the ladder step (1-based, as in `status.ladder.taken`), and the time left.
   */
  step?: number;
  timeLeft?: string;
  /** On `escalation.reminder` and `escalation.routed`: the approver groups that may decide now. */
  approverGroups?: string[];
  /** Present on `escalation.resolved`. */
  decision?: 'approve' | 'deny' | 'timeout';
  decidedBy?: string;
  links?: EscalationLinks;
}

/** Options for one delivery. */
export interface DeliveryOptions {
  /** @default 10000 */
  fetchTimeoutMs?: number;
  /** Standard Webhooks `webhook-id`; the default is derived from event type and escalation id, stable across retries. */
  messageId?: string;
  now?: () => Date;
  dispatcher?: Dispatcher;
}

/** A delivery the target accepted. */
export interface Delivery {
  target: string;
  status: number;
  messageId: string;
}

/** One target's outcome in {@link Notifier.notify}. */
export type NotifyResult = ({ ok: true } & Delivery) | { ok: false; target: string; error: Error };

/** Sends escalation events to configured targets. */
export interface Notifier {
  readonly targetNames: string[];
  /** Sends to every target (or the named ones) concurrently; one failing target never blocks the others. */
  notify(event: EscalationEvent, names?: string[]): Promise<NotifyResult[]>;
  /** Sends to one named target; throws like {@link notifyTarget}. For one activity per target. */
  notifyTarget(name: string, event: EscalationEvent): Promise<Delivery>;
}

/** Options of {@link createNotifier}. */
export interface NotifierOptions {
  targets: WebhookTarget[];
  /** @default 10000 */
  fetchTimeoutMs?: number;
  dispatcher?: Dispatcher;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const ERROR_SNIPPET_CHARS = 200;
const SLACK_INPUT_CHARS = 1500;
// 408 and 429 ask the sender to come back later, so they stay retryable like a 5xx.
const RETRYABLE_4XX = new Set([408, 425, 429]);

function label(target: WebhookTarget): string {
  if (target.name) return target.name;
  const url = new URL(target.url);
  // A Slack webhook URL's path is its credential: never echo it.
  return target.format === 'slack' ? `${url.origin}/…` : `${url.origin}${url.pathname}`;
}

function validateTarget(target: WebhookTarget): void {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch (cause) {
    throw new TypeError(`webhook target '${target.name ?? '?'}': url is not a valid URL`, { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`webhook target ${label(target)}: url must be http or https, got ${url.protocol}`);
  }
  if (target.format !== 'standard' && target.format !== 'slack') {
    throw new TypeError(`webhook target ${label(target)}: format must be 'standard' or 'slack'`);
  }
  if (target.secret !== undefined) {
    try {
      new Webhook(target.secret);
    } catch (cause) {
      throw new TypeError(
        `webhook target ${label(target)}: secret is not a Standard Webhooks secret (expected whsec_<base64>)`,
        { cause },
      );
    }
  }
}

/** The stable `webhook-id` of an event: the same across activity retries, different per escalation and type. */
export function eventMessageId(event: EscalationEvent): string {
  const step = event.step === undefined ? '' : `\n${event.step}`;
  const digest = createHash('sha256').update(`${event.type}\n${event.escalationId}${step}`).digest('base64url');
  return `msg_${digest.slice(0, 27)}`;
}

function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const OUTCOME: Record<NonNullable<EscalationEvent['decision']>, string> = {
  approve: 'approved',
  deny: 'denied',
  timeout: 'timed out',
};

/** The Slack incoming-webhook message (`{ text, blocks }`) for an event. */
export function slackMessage(event: EscalationEvent): { text: string; blocks: unknown[] } {
  const tool = slackEscape(event.tool);
  const id = slackEscape(event.escalationId);
  const reason = slackEscape(event.reason);
  const rules = event.rulesTriggered.map((hit) => `\`${slackEscape(hit.id)}\``).join(', ') || 'none';
  if (event.type === 'escalation.resolved') {
    const outcome = event.decision ? OUTCOME[event.decision] : 'resolved';
    const by = event.decidedBy ? ` by ${slackEscape(event.decidedBy)}` : '';
    const text = `Escalation ${id} (${tool}) ${outcome}${by}: ${reason}`;
    return {
      text,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*${outcome}${by}:* \`${tool}\`\n${reason}` } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `Escalation \`${id}\` · rules ${rules}` }] },
      ],
    };
  }
  const left = slackEscape(event.timeLeft ?? 'little time');
  const heading =
    event.type === 'escalation.reminder'
      ? `*Reminder: approval needed* (${left} left):`
      : event.type === 'escalation.routed'
        ? `*Approval needed, now also from you* (${left} left):`
        : '*Approval needed:*';
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `${heading} \`${tool}\`\n${reason}` } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Escalation*\n\`${id}\`` },
        { type: 'mrkdwn', text: `*Expires*\n${event.expiresAt ? slackEscape(event.expiresAt) : 'never'}` },
        { type: 'mrkdwn', text: `*Rules*\n${rules}` },
      ],
    },
  ];
  if (event.input !== undefined) {
    const input = truncate(JSON.stringify(event.input, null, 2), SLACK_INPUT_CHARS);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${slackEscape(input)}\`\`\`` } });
  }
  if (event.links) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'approve',
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          url: event.links.approve,
        },
        {
          type: 'button',
          action_id: 'deny',
          style: 'danger',
          text: { type: 'plain_text', text: 'Deny' },
          url: event.links.deny,
        },
        {
          type: 'button',
          action_id: 'inbox',
          text: { type: 'plain_text', text: 'Open inbox' },
          url: event.links.inbox,
        },
      ],
    });
  }
  return { text: `Approval needed for ${tool} (${id}): ${reason}`, blocks };
}

/** The Standard Webhooks body: `{ type, timestamp, data }`. */
export function standardBody(event: EscalationEvent, now: Date): { type: string; timestamp: string; data: unknown } {
  const { type, ...data } = event;
  return { type, timestamp: now.toISOString(), data };
}

/**
 * POSTs one event to one target. Resolves on a 2xx. Throws `ApplicationFailure` (non-retryable, type
 * `GUARD_WEBHOOK_REJECTED`) on a 3xx or 4xx other than 408/425/429: retrying cannot help. Throws a plain `Error` on a
 * 5xx, 408/425/429, a timeout or a network failure, so Temporal retries the activity with backoff.
 */
export async function notifyTarget(
  target: WebhookTarget,
  event: EscalationEvent,
  options: DeliveryOptions = {},
): Promise<Delivery> {
  validateTarget(target);
  const name = label(target);
  const now = options.now?.() ?? new Date();
  const messageId = options.messageId ?? eventMessageId(event);
  const timeoutMs = options.fetchTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const body = JSON.stringify(target.format === 'slack' ? slackMessage(event) : standardBody(event, now));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.secret !== undefined) {
    headers['webhook-id'] = messageId;
    headers['webhook-timestamp'] = String(Math.floor(now.getTime() / 1000));
    headers['webhook-signature'] = new Webhook(target.secret).sign(messageId, now, body);
  }

  let response: Dispatcher.ResponseData;
  try {
    response = await request(target.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(timeoutMs),
      dispatcher: options.dispatcher,
    });
  } catch (cause) {
    // Match on name: the abort reason is a DOMException, not an Error of this realm under Jest.
    const { name: errorName, message } = (cause ?? {}) as { name?: unknown; message?: unknown };
    const timedOut = errorName === 'TimeoutError' || errorName === 'AbortError';
    throw new Error(
      timedOut
        ? `webhook ${name} did not answer within ${timeoutMs} ms; will retry`
        : `webhook ${name} unreachable (${typeof message === 'string' ? message : String(cause)}); will retry`,
      { cause },
    );
  }
  const status = response.statusCode;
  if (status >= 200 && status < 300) {
    await response.body.dump();
    return { target: name, status, messageId };
  }
  const snippet = truncate((await response.body.text().catch(() => '')).trim(), ERROR_SNIPPET_CHARS);
  const answer = `webhook ${name} answered ${status}${snippet ? `: ${snippet}` : ''}`;
  if (status >= 500 || RETRYABLE_4XX.has(status)) throw new Error(`${answer}; will retry`);
  const fix =
    status < 400
      ? 'webhook URLs must not redirect; configure the final URL'
      : 'fix the target configuration (URL, secret) or the receiver';
  throw ApplicationFailure.create({
    type: 'GUARD_WEBHOOK_REJECTED' satisfies GuardErrorCode,
    message: `${answer}; not retrying: ${fix}`,
    nonRetryable: true,
    details: [{ target: name, status }],
  });
}

/**
 * Creates a notifier over named targets. Give the worker's activities the notifier and pass only the target
 * name through workflow history, so webhook secrets and Slack URLs never land in Temporal.
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const targets = new Map<string, WebhookTarget>();
  options.targets.forEach((target, index) => {
    const name = target.name ?? `webhook-${index + 1}`;
    if (targets.has(name)) throw new TypeError(`webhook target name '${name}' is used twice; names must be unique`);
    validateTarget({ ...target, name });
    targets.set(name, { ...target, name });
  });
  const delivery = { fetchTimeoutMs: options.fetchTimeoutMs, dispatcher: options.dispatcher };

  const sendTo = async (name: string, event: EscalationEvent): Promise<Delivery> => {
    const target = targets.get(name);
    if (!target) {
      throw ApplicationFailure.create({
        type: 'GUARD_UNKNOWN_CHANNEL' satisfies GuardErrorCode,
        message: `no webhook target named '${name}' (configured: ${[...targets.keys()].join(', ') || 'none'})`,
        nonRetryable: true,
      });
    }
    return notifyTarget(target, event, delivery);
  };

  return {
    targetNames: [...targets.keys()],
    notifyTarget: sendTo,
    async notify(event, names = [...targets.keys()]) {
      const settled = await Promise.allSettled(names.map((name) => sendTo(name, event)));
      return settled.map((result, index): NotifyResult => {
        if (result.status === 'fulfilled') return { ok: true, ...result.value };
        const error = result.reason instanceof Error ? result.reason : new Error(String(result.reason));
        return { ok: false, target: names[index] as string, error };
      });
    },
  };
}
