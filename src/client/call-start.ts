/** The start request of a guarded call, checked and fingerprinted before anything is sent to Temporal. */
import { randomUUID } from 'node:crypto';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type WorkflowStartOptions } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Duration } from '@temporalio/common';
import { callIdIssue, callIssue, type Issue } from '../workflows/call-validation';
import { guardFingerprintKey, guardToolKey, type CallContext, type GuardedCallInput } from '../workflows/definitions';
import { callFingerprint } from '../workflows/fingerprint';
import { callDetails, callSummary } from './call-summary';
import { GuardInputError } from './errors';

export const guardedCallType = 'guardedCall';

// What the SDK's JSON payload converter cannot write (its ValueError says only "Unable to convert").
export const JSON_VALUES_ONLY = ' (give plain JSON values: no BigInt, functions, symbols or cycles)';

export function inputError(issue: Issue): GuardInputError {
  return new GuardInputError(issue.message, issue.limit ? { limit: issue.limit } : {});
}

/** What a start needs from the caller's options. */
export interface StartChoices {
  context?: CallContext;
  callId?: string;
  escalationTimeout?: Duration;
  toolSchema?: Record<string, unknown>;
}

/** A checked start: the workflow's ID, the call's fingerprint and the SDK's start options. */
export interface CallStart {
  tool: string;
  workflowId: string;
  fingerprint: string;
  /** Whether the ID is the caller's (and may name an existing execution of another call). */
  callerId: boolean;
  options: WorkflowStartOptions & { workflowIdConflictPolicy: WorkflowIdConflictPolicy };
}

/**
 * Checks the call and builds its start: the caller's `callId` attaches to a running execution of the same ID
 * (USE_EXISTING) and never starts a second one after it closed (REJECT_DUPLICATE).
 * @throws GuardInputError for a call over a limit, a bad callId or duration, or a value JSON cannot hold.
 */
export function callStart(
  tool: string,
  input: Record<string, unknown>,
  choices: StartChoices,
  execute: boolean,
  taskQueue: string,
): CallStart {
  let escalationTimeoutMs: number | undefined;
  if (choices.escalationTimeout !== undefined) {
    try {
      escalationTimeoutMs = msToNumber(choices.escalationTimeout);
    } catch (err) {
      throw new GuardInputError(
        `escalationTimeout ${JSON.stringify(choices.escalationTimeout)} is not a duration like '5m' or 300000`,
        { cause: err },
      );
    }
  }
  const call: GuardedCallInput = {
    tool,
    input,
    ...(choices.context ? { context: choices.context } : {}),
    ...(execute ? { execute } : {}),
    ...(escalationTimeoutMs !== undefined ? { escalationTimeoutMs } : {}),
    ...(choices.toolSchema !== undefined ? { toolSchema: choices.toolSchema } : {}),
  };
  const issue = callIssue(call) ?? (choices.callId === undefined ? undefined : callIdIssue(choices.callId));
  if (issue) throw inputError(issue);
  const workflowId = choices.callId ?? `guard-${randomUUID()}`;
  let fingerprint: string;
  try {
    fingerprint = callFingerprint(call);
  } catch (err) {
    // Canonical JSON meets what JSON cannot write (a BigInt) before the SDK's payload converter would.
    throw new GuardInputError(`the call to '${tool}' cannot be sent: ${(err as Error).message}${JSON_VALUES_ONLY}`, {
      cause: err,
    });
  }
  return {
    tool,
    workflowId,
    fingerprint,
    callerId: choices.callId !== undefined,
    options: {
      args: [call],
      workflowId,
      taskQueue,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: guardToolKey, value: tool },
        { key: guardFingerprintKey, value: fingerprint },
      ],
      staticSummary: callSummary(tool, input, execute),
      staticDetails: callDetails(tool, input, execute, choices.context),
    },
  };
}
