/**
 * Definitions of the `standingGrant` workflow ("approve all like this"), shared by the workflow, its activities, the
 * guarded call's grant lookup, the API and the CLI.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BulkApprover, BulkCounts } from './bulk-definitions';

/** Which escalations a grant answers: tool and rule always, the rest narrows (all given must match). */
export interface GrantScope {
  tool: string;
  /** An enforced `escalate` rule among the call's hits. */
  rule: string;
  /** `context.batch`. */
  batch?: string;
  /** `context.agent`. */
  agent?: string;
  /** `context.caller`. */
  caller?: string;
  /** A CEL condition over `tool`, `input` and `context` (the policy's dialect): `input.amount <= 500`. */
  where?: string;
}

/** The argument of the `standingGrant` workflow. */
export interface StandingGrantInput {
  scope: GrantScope;
  /** Identity and groups from the API token: every decision the grant makes is this approver's. */
  approver: BulkApprover;
  /** The rule's approver groups when the grant was created (empty: anyone may decide); who may revoke besides the creator. */
  ruleGroups: string[];
  reason: string;
  /** ISO-8601 creation time (the API's clock); the sweep takes escalations started before it. */
  createdAt: string;
  /** ISO-8601 end of the grant: its timer fires then. */
  expiresAt: string;
  /** Task queue of the guarded calls answered (the grant runs on it too). */
  taskQueue: string;
  /**
   * Delay of the second sweep, which catches escalations that were not yet visible as pending at the first one
   * (visibility is written after the history). @default 10000
   */
  settleMs?: number;
}

export type GrantState = 'live' | 'revoked' | 'expired';

/** Payload of the `revoke` update. */
export interface RevokeGrantInput {
  by: string;
  reason?: string;
}

/** Answer of the `grant` query, and the workflow's result. */
export interface GrantView {
  id: string;
  state: GrantState;
  scope: GrantScope;
  approver: string;
  approverGroups: string[];
  ruleGroups: string[];
  reason: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  revokedBy?: string;
  revokeReason?: string;
  /** Outcomes of the grant's sweeps over the escalations pending when it was created. */
  swept: BulkCounts;
}

// A query, not an update: a match asks whether the grant is live without writing to its history.
export const grantQuery = defineQuery<GrantView>('grant');
// An update: the revoker learns that the grant has stopped (or why it cannot be revoked).
export const revokeGrantUpdate = defineUpdate<GrantView, [RevokeGrantInput]>('revoke');

/** The workflow type of standing grants, as visibility names it. */
export const STANDING_GRANT_TYPE = 'standingGrant';

/** The mark in the reason of every escalation a grant decided. */
export function grantMark(grantId: string): string {
  return `(grant ${grantId})`;
}

/** The reason written into each escalation the grant decides: the grant's reason and its ID. */
export function grantReason(grantId: string, reason: string): string {
  return `${reason} ${grantMark(grantId)}`;
}

const SCOPE_TEXT_LENGTH = 250;

/** The optional part of a scope in canonical text, for the `GuardGrantScope` attribute (`-` when none). */
export function grantScopeText(scope: GrantScope): string {
  const parts = (['batch', 'agent', 'caller', 'where'] as const).flatMap((key) =>
    scope[key] !== undefined ? [`${key}=${scope[key]}`] : [],
  );
  const text = parts.join(';') || '-';
  // SQL visibility stores a Keyword in VARCHAR(255).
  return text.length > SCOPE_TEXT_LENGTH ? `${text.slice(0, SCOPE_TEXT_LENGTH - 1)}…` : text;
}
