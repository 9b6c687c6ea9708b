/** The fastify app of the approval API: routes, coded errors, health and the OpenAPI document. */
import formbody from '@fastify/formbody';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ApprovalLinkSigner, ApproverRegistry } from '../approvals';
import { GuardClient } from '../client';
import { ApproverGroupsCache } from './approver-groups';
import type { ApiContext } from './context';
import { ApiError } from './errors';
import { registerEscalationRoutes } from './escalation-routes';
import { registerInboxRoutes } from './inbox-routes';
import { registerLinkRoutes } from './link-routes';
import { openApiDocument } from './openapi';
import { toApiError } from './to-api-error';

/** Options of {@link buildApi}. */
export interface ApiOptions {
  /** A connected Temporal client (its namespace is the one served). */
  client: Client;
  /** Task queue of the guarded calls this API lists and decides. */
  taskQueue: string;
  approvers: ApproverRegistry;
  /** Signer for one-click links; links are off when absent. */
  links?: ApprovalLinkSigner;
  /** Base URL in minted links, e.g. `https://guard.example.com`. @default the request's own origin */
  publicUrl?: string;
  /** fastify logger setting. @default false */
  logger?: FastifyServerOptions['logger'];
  /** Largest accepted request body in bytes. @default 65536 */
  bodyLimit?: number;
  /** How long `/healthz` waits for Temporal. @default 3000 */
  healthTimeoutMs?: number;
}

/** Default body limit: a decision with an edited input is small; 64 KiB leaves room and refuses abuse. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Builds the approval API (not listening: use `app.inject` in tests, or {@link startApi}). */
export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Link tokens travel in the path and are longer than fastify's default 100-character parameter limit.
    routerOptions: { maxParamLength: 4096 },
    // Reject unknown fields instead of silently dropping them, and never coerce types.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  await app.register(formbody, { bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT });

  const context: ApiContext = {
    client: options.client,
    guard: new GuardClient({ client: options.client, taskQueue: options.taskQueue }),
    groups: new ApproverGroupsCache(options.client),
    taskQueue: options.taskQueue,
    approvers: options.approvers,
    ...(options.links ? { links: options.links } : {}),
    ...(options.publicUrl ? { publicUrl: options.publicUrl.replace(/\/+$/, '') } : {}),
  };

  app.setErrorHandler((err, request, reply) => {
    const apiError = toApiError(err);
    if (apiError.statusCode >= 500) request.log.error({ err }, apiError.message);
    if (apiError.code === 'GUARD_UNAUTHORIZED') reply.header('www-authenticate', 'Bearer');
    if (apiError.code === 'GUARD_TOO_MANY_DECISIONS') reply.header('retry-after', '1');
    return reply.status(apiError.statusCode).send(apiError.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const apiError = new ApiError(
      'GUARD_ROUTE_NOT_FOUND',
      `no route ${request.method} ${request.url}: see /openapi.json`,
    );
    return reply.status(apiError.statusCode).send(apiError.toBody());
  });

  app.get('/healthz', async () => {
    const timeout = options.healthTimeoutMs ?? 3000;
    try {
      await options.client.withDeadline(Date.now() + timeout, () => options.client.workflowService.getSystemInfo({}));
    } catch (err) {
      throw new ApiError(
        'GUARD_TEMPORAL_UNAVAILABLE',
        `Temporal did not answer within ${timeout} ms: check TEMPORAL_ADDRESS and that the server is up`,
        { cause: err },
      );
    }
    return { status: 'ok' };
  });
  const document = openApiDocument();
  app.get('/openapi.json', async () => document);

  registerEscalationRoutes(app, context);
  registerLinkRoutes(app, context);
  registerInboxRoutes(app, context);
  return app;
}
