/** The inbox's read-only Policies page (`GET /inbox/policies`), its overview fragment, and `GET /v1/policies`. */
import type { FastifyInstance } from 'fastify';
import { requireApprover } from './auth';
import type { ApiContext } from './context';
import { policiesOverviewHtml, policiesPage } from './inbox-policies';
import { INBOX_POLICIES_JS } from './inbox-policies-script';
import { send } from './inbox-routes';
import { OverviewCache, policiesOverview } from './policies-overview';

/** Where the overview comes from: the files in force and the saved backtest, counts cached for `cacheMs`. */
export interface PoliciesRouteOptions {
  policyFiles: readonly string[];
  lastBacktestFile?: string;
  /** @default 30000 */
  cacheMs?: number;
}

export function registerPoliciesRoutes(app: FastifyInstance, context: ApiContext, options: PoliciesRouteOptions): void {
  const { client, taskQueue } = context;
  const cache = new OverviewCache(
    () =>
      policiesOverview({
        count: async (query) => (await client.workflow.count(query)).count,
        taskQueue,
        policyFiles: options.policyFiles,
        ...(options.lastBacktestFile !== undefined ? { lastBacktestFile: options.lastBacktestFile } : {}),
      }),
    options.cacheMs,
  );
  const onRequest = requireApprover(context.approvers);
  app.get('/inbox/policies', async (_request, reply) => send(reply, 'text/html', policiesPage()));
  app.get('/inbox-policies.js', async (_request, reply) => send(reply, 'text/javascript', INBOX_POLICIES_JS));
  app.get('/inbox/policies/overview', { onRequest }, async (_request, reply) =>
    send(reply, 'text/html', policiesOverviewHtml(await cache.get())),
  );
  app.get('/v1/policies', { onRequest }, async () => cache.get());
}
