/**
 * The escalation's look for a standing grant, run as a local activity in the workflow task that escalated the call:
 * it only finds the grant (the workflow decides itself, with the `decide` update's checks), so no event of its own
 * can arrive under a later workflow task.
 */
import { Context } from '@temporalio/activity';
import { grantDirectoryFor } from '../approvals/grant-directory';
import { callInScope, grantView, isLive, liveGrantsQuery } from '../approvals/grant-match';
import type { CallContext } from '../workflows/definitions';

export interface FindGrantInput {
  tool: string;
  /** The enforced `escalate` rules of the call. */
  rules: string[];
  /** The call's input, for a grant's `where` (a local activity's input is not written to history). */
  input: Record<string, unknown>;
  context: CallContext;
}

/** The grant that answers the escalation: the approver the decision is made as, and the grant's reason. */
export interface FoundGrant {
  grantId: string;
  approver: string;
  approverGroups: string[];
  reason: string;
}

/** Lists the live grants of the tool and rules straight from visibility (the directory holds too many to keep). */
async function listFromVisibility(tool: string, rules: string[]): Promise<string[]> {
  const { client, info } = Context.current();
  const ids: string[] = [];
  for await (const e of client.workflow.list({ query: liveGrantsQuery(info.taskQueue, tool, rules), pageSize: 100 })) {
    ids.push(e.workflowId);
    if (ids.length >= 100) break;
  }
  // Visibility lists the newest first.
  return ids.reverse();
}

/**
 * The oldest live grant whose scope holds the call, asked in the grant itself (authoritative, and a revoked grant
 * answers so at once); `{}` when none does. Which grants are asked comes from the worker's {@link grantDirectoryFor}
 * directory: with no grant of the tool and rules, no query at all.
 */
export async function findStandingGrant({
  tool,
  rules,
  input,
  context,
}: FindGrantInput): Promise<{ grant?: FoundGrant }> {
  const { client, info } = Context.current();
  const directory = grantDirectoryFor(client, info.taskQueue);
  const ids = (await directory.candidates(tool, rules)) ?? (await listFromVisibility(tool, rules));
  for (const grantId of ids) {
    const view = await grantView(client, grantId);
    if (!isLive(view)) {
      directory.forget(grantId);
      continue;
    }
    if (!rules.includes(view.scope.rule) || !callInScope(view.scope, { tool, input, context })) continue;
    return {
      grant: { grantId, approver: view.approver, approverGroups: view.approverGroups, reason: view.reason },
    };
  }
  return {};
}
