import type { Client } from '@temporalio/client';
import type { ApprovalLinkSigner, ApproverRegistry } from '../approvals';
import type { GuardClient } from '../client';
import type { ApproverGroupsCache } from './approver-groups';
import type { DecisionLanes } from './decision-lanes';

/** What every route needs: Temporal, the task queue, who may decide and, optionally, the link signer. */
export interface ApiContext {
  client: Client;
  guard: GuardClient;
  groups: ApproverGroupsCache;
  /** One decision at a time per escalation: see decision-lanes.ts. */
  lanes: DecisionLanes;
  taskQueue: string;
  approvers: ApproverRegistry;
  links?: ApprovalLinkSigner;
  /** Base URL of minted links; the request's own origin when absent. */
  publicUrl?: string;
  /** Base URL of the Temporal Web UI, for the inbox's links to each escalation. */
  webUiUrl?: string;
}
