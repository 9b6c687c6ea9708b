/** The worker's activities: every side effect of a guarded call, with dependencies injected. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CallContext, Decider, PolicyDecision } from '../policy/types';
import { whileHeartbeating } from './heartbeat';
import { readBatchPage } from './read-batch-page';
import type { ToolRegistry } from './tools';

export interface ActivityDeps {
  decider: Decider;
  tools?: ToolRegistry;
}

export interface DecideActivityInput {
  tool: string;
  input: Record<string, unknown>;
  context?: CallContext;
  /** The workflow will run the tool: the tool must then be registered on this worker. */
  execute?: boolean;
}

export interface RunToolInput {
  tool: string;
  input: Record<string, unknown>;
  idempotencyKey: string;
  callId: string;
  context?: CallContext;
}

export function createActivities({ decider, tools = {} }: ActivityDeps) {
  return {
    /** Policy evaluation; an execute call for a tool this worker cannot run is blocked with the reason. */
    async decide({ tool, input, context, execute }: DecideActivityInput): Promise<PolicyDecision> {
      if (execute && !Object.hasOwn(tools, tool)) {
        const known = Object.keys(tools).sort();
        return {
          action: 'block',
          reason: `unknown tool '${tool}': no implementation is registered on this worker (known: ${known.join(', ') || 'none'})`,
          rulesTriggered: [{ id: 'unknown-tool', action: 'block', mode: 'enforce' }],
          policyVersion: 'n/a',
        };
      }
      return whileHeartbeating(() => decider.decide({ tool, input, context }, new Date()));
    },

    /** Runs the tool once per idempotency key; a tool's own ApplicationFailure decides retry or not. */
    async runTool({ tool, input, idempotencyKey, callId, context }: RunToolInput): Promise<unknown> {
      const impl = tools[tool];
      if (!impl) throw ApplicationFailure.nonRetryable(`unknown tool '${tool}' on this worker`, 'GUARD_UNKNOWN_TOOL');
      Context.current().log.info('running tool', { tool, callId });
      return whileHeartbeating(() => impl(input, { idempotencyKey, callId, context }));
    },

    /** One page of a batch file (JSON Lines) from a byte offset, bounded in lines and bytes. */
    readBatchPage,
  };
}

export type GuardActivities = ReturnType<typeof createActivities>;
