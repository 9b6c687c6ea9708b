/** The worker's activities: every side effect of a guarded call, with dependencies injected. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CallContext, Decider, PolicyDecision, ToolCall } from '../policy/types';
import { createPageActivities } from './batch-page';
import { decideBulkPage } from './bulk-decide';
import { findStandingGrant } from './find-grant';
import { matchStandingGrants, sweepGrant } from './grant-activities';
import { whileHeartbeating } from './heartbeat';
import type { LocalOutbox } from './local-outbox';
import type { EscalationEvent, Notifier } from './notify';
import { readBatchPage } from './read-batch-page';
import { reportToBatch } from './report-to-batch';
import { undeliverableChannels } from './undeliverable-channels';
import { runsLocally, toolImplementation, toolRegistryProblem, type ToolRegistry } from './tools';
import { guardMessage, type GuardErrorCode } from '../workflows/error-codes';
import { inputHash as receiptInputHash, type Receipt, type ReceiptBody } from '../workflows/receipt';
import type { ReceiptKeyring } from '../receipts/receipt-keys';
import { signReceipt } from '../receipts/sign-receipt';
import type { ShadowDecider } from '../shadow/shadow-policy';
import type { ShadowDecision } from '../workflows/definitions';

/** Where escalation notifications go, and how their approve/deny links are made. */
export interface NotificationDeps {
  notifier: Notifier;
  /** A one-click link for a decision, bound to the escalation and the channel; absent = no links. */
  linkFor?: (escalationId: string, decision: 'approve' | 'deny', channel: string) => string;
  /** URL of the approvals inbox page. */
  inboxUrl?: string;
  /** Where events for channels without a webhook go (`durable-guard start`); absent = they are dropped. */
  outbox?: LocalOutbox;
}

export interface ActivityDeps {
  decider: Decider;
  /** Receipt keys: with a signing key every final decision gets a signed receipt. */
  receipts?: ReceiptKeyring;
  tools?: ToolRegistry;
  notifications?: NotificationDeps;
  /** The shadow policy: every decision also gives its decision, recorded and never enforced. */
  shadow?: ShadowDecider;
  /** Whether decisions' memos record the call for `policy backtest` (call-record.ts). @default true */
  callRecords?: boolean;
}

/** One notification for one channel (a webhook target named by the policy). */
export interface NotifyChannelInput {
  channel: string;
  event: Omit<EscalationEvent, 'links'>;
}

export interface DecideActivityInput {
  tool: string;
  input: Record<string, unknown>;
  context?: CallContext;
  /** The workflow will run the tool: the tool must then be registered on this worker. */
  execute?: boolean;
  /** The tool's schema as the model was shown it; validated by the decider (see `GuardedCallInput.toolSchema`). */
  toolSchema?: Record<string, unknown>;
}

/**
 * The policy's decision, for an execute call whether its tool runs as a local activity on this worker, and whether
 * this worker signs receipts.
 */
export type DecideOutcome = PolicyDecision & {
  runToolLocally?: true;
  signReceipts?: true;
  shadow?: ShadowDecision;
  /** An escalation's channels this worker can deliver nowhere: the call starts no notification for them. */
  undeliverable?: string[];
  /** This worker keeps no call record in the decision's memo (`callRecords: false`). */
  noCallRecord?: true;
};

export interface RunToolInput {
  tool: string;
  input: Record<string, unknown>;
  idempotencyKey: string;
  callId: string;
  context?: CallContext;
  /** The receipt's `inputHash`: the activity refuses an input that does not hash to it. */
  inputHash?: string;
}

/** The worker's own block of an execute call whose tool it cannot run. */
const UNKNOWN_TOOL_RULE = 'unknown-tool';

/** The call as the policy sees it. */
function policyCall({ tool, input, context, toolSchema }: DecideActivityInput): ToolCall {
  return { tool, input, context, ...(toolSchema !== undefined ? { toolSchema } : {}) };
}

export function createActivities({
  decider,
  tools = {},
  notifications,
  receipts,
  shadow,
  callRecords = true,
}: ActivityDeps) {
  const problem = toolRegistryProblem(tools);
  if (problem) throw new TypeError(`invalid tools: ${problem}`);

  /** The live decision, and beside it the shadow policy's at the same time (worker-level blocks included). */
  async function decide(call: DecideActivityInput): Promise<DecideOutcome> {
    const now = new Date();
    const live = await decideLive(call, now);
    if (!shadow) return live;
    const shadowDecision =
      live.rulesTriggered[0]?.id === UNKNOWN_TOOL_RULE
        ? { action: live.action, rules: [UNKNOWN_TOOL_RULE], policyVersion: 'n/a' }
        : await shadow.decide(policyCall(call), now);
    return { ...live, shadow: shadowDecision };
  }

  /** An execute call for a tool this worker cannot run is blocked with the reason. */
  async function decideLive(call: DecideActivityInput, now: Date): Promise<DecideOutcome> {
    const { tool, execute } = call;
    if (execute && !Object.hasOwn(tools, tool)) {
      const known = Object.keys(tools).sort();
      return {
        action: 'block',
        reason: `unknown tool '${tool}': no implementation is registered on this worker (known: ${known.join(', ') || 'none'})`,
        rulesTriggered: [{ id: UNKNOWN_TOOL_RULE, action: 'block', mode: 'enforce' }],
        policyVersion: 'n/a',
      };
    }
    const decision = await decider.decide(policyCall(call), now);
    const undeliverable = undeliverableChannels(decision, notifications);
    return {
      ...decision,
      ...(undeliverable ? { undeliverable } : {}),
      ...(execute && runsLocally(tools[tool]) ? { runToolLocally: true as const } : {}),
      ...(receipts?.signing ? { signReceipts: true as const } : {}),
      ...(callRecords ? {} : { noCallRecord: true as const }),
    };
  }

  /** Runs the tool once per idempotency key; a tool's own ApplicationFailure decides retry or not. */
  function toolRun({
    tool,
    input,
    idempotencyKey,
    callId,
    context,
    inputHash,
  }: RunToolInput): Promise<unknown> | unknown {
    const actual = inputHash === undefined ? undefined : receiptInputHash(input);
    if (actual !== undefined && actual !== inputHash) {
      throw ApplicationFailure.nonRetryable(
        guardMessage('GUARD_INPUT_MISMATCH', tool, inputHash as string, actual),
        'GUARD_INPUT_MISMATCH' satisfies GuardErrorCode,
      );
    }
    const entry = Object.hasOwn(tools, tool) ? tools[tool] : undefined;
    if (!entry)
      throw ApplicationFailure.nonRetryable(
        guardMessage('GUARD_UNKNOWN_TOOL', tool),
        'GUARD_UNKNOWN_TOOL' satisfies GuardErrorCode,
      );
    Context.current().log.info('running tool', { tool, callId });
    return toolImplementation(entry)(input, { idempotencyKey, callId, context });
  }

  return {
    /** Policy evaluation, as a regular activity (tools with network rules, or deciders that give no hint). */
    async decide(input: DecideActivityInput): Promise<DecideOutcome> {
      return whileHeartbeating(() => decide(input));
    },

    /**
     * The fast path, run as a local activity: static rules decide in-process. A tool whose rules need the network
     * (LLM judge, remote guard) is deferred to the regular `decide` activity, which has its own timeouts.
     */
    async decideLocal(input: DecideActivityInput): Promise<DecideOutcome | { deferred: true }> {
      if (decider.requiresAsync?.(input.tool) ?? true) return { deferred: true };
      return decide(input);
    },

    /** A tool as a regular activity, heartbeating while it runs. */
    async runTool(input: RunToolInput): Promise<unknown> {
      return whileHeartbeating(() => toolRun(input));
    },

    /** A tool registered with `local: true`, as a local activity in the workflow task that decided the call. */
    async runToolLocal(input: RunToolInput): Promise<unknown> {
      return toolRun(input);
    },

    /**
     * Sends one webhook; 4xx fails for good, anything else is retried by Temporal with backoff. A channel without
     * a webhook (reported once when the worker starts) goes to the local outbox when there is one, else nowhere:
     * `delivered: false`, without failing.
     */
    async notifyChannel({ channel, event }: NotifyChannelInput): Promise<{ delivered: boolean }> {
      if (!notifications || !notifications.notifier.targetNames.includes(channel)) {
        notifications?.outbox?.record(channel, event);
        return { delivered: false };
      }
      const { notifier, linkFor, inboxUrl } = notifications;
      const links =
        event.type !== 'escalation.resolved' && linkFor
          ? {
              approve: linkFor(event.escalationId, 'approve', channel),
              deny: linkFor(event.escalationId, 'deny', channel),
              inbox: inboxUrl ?? '',
            }
          : undefined;
      await notifier.notifyTarget(channel, { ...event, ...(links ? { links } : {}) });
      return { delivered: true };
    },

    /** Signs a decision's receipt (a local activity: the private key stays in the worker process). */
    async signReceipt(body: ReceiptBody): Promise<Receipt> {
      if (!receipts?.signing) {
        throw ApplicationFailure.nonRetryable(
          'this worker has no receipt signing key (DURABLE_GUARD_RECEIPT_KEYS)',
          'GUARD_RECEIPT_KEYS_MISSING' satisfies GuardErrorCode,
        );
      }
      return signReceipt(receipts, body);
    },

    /** One page of a batch file (JSON Lines) from a byte offset, bounded in lines and bytes. */
    readBatchPage,

    /** A batch item's report to its batch (a local activity of the item). */
    reportToBatch,

    /** Page mode of a batch: a page decided in one local activity, its tools run in one heartbeating activity. */
    ...createPageActivities({ decider, decide, toolRun }),

    /** One page of a bulk decision, decided through each escalation's `decide` update. */
    decideBulkPage,
    sweepGrant,
    /** Executions from before patch `grant-lookup-local`: the lookup as a regular activity. */
    matchStandingGrants,
    /** The escalation's grant lookup, a local activity gated by the worker's grant directory. */
    findStandingGrant,
  };
}

export type GuardActivities = ReturnType<typeof createActivities>;
