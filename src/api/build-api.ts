/** The fastify app of the approval API: routes, coded errors, health and the OpenAPI document. */
import formbody from '@fastify/formbody';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { LocalOutbox } from '../activities/local-outbox';
import {
  createCallerRegistry,
  type ApprovalLinkSigner,
  type ApproverRegistry,
  type CallerRegistry,
} from '../approvals';
import { GuardClient } from '../client';
import { apiLoggerOptions } from './api-logger';
import { ApproverGroupsCache } from './approver-groups';
import { DecisionLanes } from './decision-lanes';
import type { ApiContext } from './context';
import { clientErrorHandler, frameworkErrors, registerErrorReplies } from './error-replies';
import { ApiError } from './errors';
import { registerBulkRoutes } from './bulk-routes';
import { registerGrantRoutes } from './grant-routes';
import { registerEscalationRoutes } from './escalation-routes';
import { registerGuardRoutes } from './guard-routes';
import { DEFAULT_GUARD_WAIT_MS } from './guard-schemas';
import { registerGroupRoutes } from './group-routes';
import { registerExtendRoute } from './extend-route';
import { registerInboxRoutes } from './inbox-routes';
import { registerJsonBody } from './json-body';
import { registerLinkRoutes } from './link-routes';
import { openApiDocument } from './openapi';
import { registerOutboxRoutes } from './outbox-routes';
import { registerPoliciesRoutes } from './policies-routes';
import { requestIdOf } from './request-id';
import { DEFAULT_BODY_LIMIT, MAX_PARAM_LENGTH } from './request-limits';
import { formatSchemaErrors } from './schema-errors';

/** Options of {@link buildApi}. */
export interface ApiOptions {
  /** A connected Temporal client (its namespace is the one served). */
  client: Client;
  /** Task queue of the guarded calls this API lists and decides. */
  taskQueue: string;
  approvers: ApproverRegistry;
  /** Who may ask `POST /v1/guard` for decisions (never approve). @default nobody */
  callers?: CallerRegistry;
  /** How long `POST /v1/guard` waits for a human before answering 202 with a Location. @default 25000 */
  guardWaitMs?: number;
  /** Signer for one-click links; links are off when absent. */
  links?: ApprovalLinkSigner;
  /** Base URL in minted links, e.g. `https://guard.example.com`. @default the request's own origin */
  publicUrl?: string;
  /** Base URL of the Temporal Web UI; the inbox links each escalation to it when given. */
  webUiUrl?: string;
  /**
   * Log settings: `true` or pino options (level, stream) get the API's redaction of tokens and request IDs
   * ({@link apiLoggerOptions}). @default false
   */
  logger?: FastifyServerOptions['logger'];
  /** Largest accepted request body in bytes. @default 65536 */
  bodyLimit?: number;
  /** How long `/healthz` waits for Temporal. @default 3000 */
  healthTimeoutMs?: number;
  /** The policy files in force (DURABLE_GUARD_POLICY), shown on the inbox's Policies page. @default none */
  policyFiles?: readonly string[];
  /** The file `policy backtest --save` writes, shown on the Policies page. @default no backtest section */
  lastBacktestFile?: string;
  /** How long the Policies page's counts are reused. @default 30000 */
  policiesCacheMs?: number;
  /** Notifications kept for channels without a webhook (`durable-guard start`), shown in the inbox. */
  outbox?: LocalOutbox;
}

/** Builds the approval API (not listening: use `app.inject` in tests, or {@link startApi}). */
export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const logger = options.logger;
  const app = Fastify({
    logger: logger ? apiLoggerOptions(logger === true ? {} : logger) : false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    genReqId: requestIdOf,
    frameworkErrors,
    clientErrorHandler,
    // Reject unknown fields instead of silently dropping them, and never coerce types; `verbose` gives the
    // error formatter each failing property's schema, whose description says what was expected.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false, verbose: true } },
    schemaErrorFormatter: formatSchemaErrors,
  });
  registerErrorReplies(app);
  registerJsonBody(app);
  await app.register(formbody, { bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT });

  const context: ApiContext = {
    client: options.client,
    guard: new GuardClient({ client: options.client, taskQueue: options.taskQueue }),
    groups: new ApproverGroupsCache(options.client),
    lanes: new DecisionLanes(),
    taskQueue: options.taskQueue,
    approvers: options.approvers,
    ...(options.links ? { links: options.links } : {}),
    ...(options.publicUrl ? { publicUrl: options.publicUrl.replace(/\/+$/, '') } : {}),
    ...(options.webUiUrl ? { webUiUrl: options.webUiUrl.replace(/\/+$/, '') } : {}),
  };

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
  registerGroupRoutes(app, context);
  registerBulkRoutes(app, context);
  registerExtendRoute(app, context);
  registerGrantRoutes(app, context);
  registerLinkRoutes(app, context);
  registerInboxRoutes(app, context);
  registerPoliciesRoutes(app, context, {
    policyFiles: options.policyFiles ?? [],
    ...(options.lastBacktestFile !== undefined ? { lastBacktestFile: options.lastBacktestFile } : {}),
    ...(options.policiesCacheMs !== undefined ? { cacheMs: options.policiesCacheMs } : {}),
  });
  registerGuardRoutes(app, {
    client: options.client,
    guard: context.guard,
    callers: options.callers ?? createCallerRegistry([]),
    waitMs: options.guardWaitMs ?? DEFAULT_GUARD_WAIT_MS,
  });
  if (options.outbox) registerOutboxRoutes(app, context, options.outbox);
  return app;
}
