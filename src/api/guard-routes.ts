/**
 * The guard endpoint for any language: `POST /v1/guard` asks for a decision with the seed's snake_case body,
 * `GET /v1/calls/:id` long-polls a call's result. Both run on the same `guardedCall` workflow as `GuardClient`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CallerRegistry } from '../approvals';
import type { GuardClient } from '../client';
import type { Client } from '@temporalio/client';
import { parseDuration } from '../policy/duration';
import type { GuardResult } from '../workflows/definitions';
import { authenticatedContext, callerOf, requireCaller } from './caller-auth';
import { resultWithin } from './call-wait';
import { ApiError } from './errors';
import {
  callParamsSchema,
  callQuerySchema,
  GUARD_BODY_LIMIT,
  guardBodySchema,
  MAX_CALL_WAIT_MS,
  type CallQuery,
  type GuardBody,
} from './guard-schemas';

/** What the guard routes need. */
export interface GuardRoutesOptions {
  client: Client;
  guard: GuardClient;
  callers: CallerRegistry;
  /** How long `POST /v1/guard` waits for a human before answering 202. */
  waitMs: number;
}

/** The seed's result, snake_case; `status` says whether a human is still awaited. */
export function guardAnswer(result: GuardResult, id: string, pending = result.action === 'escalate') {
  return {
    action: result.action,
    modified_input: result.modifiedInput ?? null,
    reason: result.reason ?? null,
    rules_triggered: result.rulesTriggered,
    escalation_id: result.escalationId ?? id,
    status: pending ? 'pending' : 'decided',
    decided_by: result.decidedBy ?? null,
    fingerprint: result.fingerprint ?? null,
  };
}

function callPath(id: string): string {
  return `/v1/calls/${encodeURIComponent(id)}`;
}

/** 202 Accepted: the call waits for a human; its result will be at Location. */
function accepted(reply: FastifyReply, result: GuardResult, id: string) {
  const location = callPath(id);
  reply.code(202).header('location', `${location}?wait=30s`);
  return guardAnswer({ ...result, action: 'escalate' }, id, true);
}

export function registerGuardRoutes(app: FastifyInstance, options: GuardRoutesOptions): void {
  const { client, guard } = options;
  const onRequest = requireCaller(options.callers);

  app.post<{ Body: GuardBody }>(
    '/v1/guard',
    { onRequest, bodyLimit: GUARD_BODY_LIMIT, schema: { body: guardBodySchema } },
    async (request, reply) => {
      const body = request.body;
      // The requester the workflow compares approvers with is the token's identity, never a name in the body.
      const context = authenticatedContext(body.context, callerOf(request));
      // Decide first (returns escalate at once), then wait only as long as an HTTP request may.
      const result = await guard.check(body.tool, body.input, {
        ...(body.call_id !== undefined ? { callId: body.call_id } : {}),
        context,
        ...(body.escalation_timeout !== undefined
          ? { escalationTimeout: Math.round(body.escalation_timeout * 1000) }
          : {}),
      });
      const id = result.escalationId as string;
      if (result.action !== 'escalate' || !body.wait_for_escalation) return guardAnswer(result, id);
      const final = await resultWithin(client, id, options.waitMs);
      return final ? guardAnswer(final, id, false) : accepted(reply, result, id);
    },
  );

  app.get<{ Params: { id: string }; Querystring: CallQuery }>(
    '/v1/calls/:id',
    { onRequest, schema: { params: callParamsSchema, querystring: callQuerySchema } },
    async (request, reply) => {
      const { id } = request.params;
      const waitMs = request.query.wait === undefined ? 0 : (parseDuration(request.query.wait) ?? 0);
      if (waitMs > MAX_CALL_WAIT_MS) {
        throw new ApiError(
          'GUARD_INVALID_REQUEST',
          `wait=${request.query.wait} is over ${MAX_CALL_WAIT_MS / 1000}s: long-poll again instead`,
        );
      }
      const final = await resultWithin(client, id, waitMs);
      if (final) return guardAnswer(final, id, false);
      const { decision } = await guard.status(id);
      const pending: GuardResult = {
        action: 'escalate',
        rulesTriggered: decision?.rulesTriggered ?? [],
        ...(decision?.reason !== undefined ? { reason: decision.reason } : {}),
        escalationId: id,
      };
      return accepted(reply, pending, id);
    },
  );
}
