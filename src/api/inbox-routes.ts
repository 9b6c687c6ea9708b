/** The approvals inbox: `GET /` (and `/inbox`), its scripts and style, and the server-rendered fragments. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { WebUiLinks } from '../backtest/report';
import { requireApprover } from './auth';
import type { ApiContext } from './context';
import { getEscalation, listEscalations } from './escalations';
import { CONTENT_SECURITY_POLICY } from './html';
import { INBOX_JS } from './inbox-script';
import { INBOX_CSS } from './inbox-style';
import { escalationCards, inboxPage } from './inbox-page';
import { groupCards } from './inbox-groups';
import { INBOX_GROUPS_JS } from './inbox-groups-script';
import { batchProgressOf, groupsOptions } from './group-routes';
import { listOptions } from './list-options';
import { listQuerySchema, type ListQuery } from './schemas';
import { groupsQuerySchema, type GroupsQuery } from './bulk-schemas';
import { groupEscalations } from './escalation-groups';

/** Sends a page or asset with the inbox's headers: this origin's code only, never cached. */
export function send(reply: FastifyReply, type: string, body: string) {
  return reply
    .header('content-type', `${type}; charset=utf-8`)
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store')
    .send(body);
}

function webUiOf(context: ApiContext): WebUiLinks | undefined {
  return context.webUiUrl ? { baseUrl: context.webUiUrl, namespace: context.client.options.namespace } : undefined;
}

export function registerInboxRoutes(app: FastifyInstance, context: ApiContext): void {
  const { client } = context;
  const inbox = async (_request: unknown, reply: FastifyReply) => send(reply, 'text/html', inboxPage());
  app.get('/', inbox);
  app.get('/inbox', inbox);
  app.get('/inbox.js', async (_request, reply) => send(reply, 'text/javascript', INBOX_JS));
  app.get('/inbox-groups.js', async (_request, reply) => send(reply, 'text/javascript', INBOX_GROUPS_JS));
  app.get('/inbox.css', async (_request, reply) => send(reply, 'text/css', INBOX_CSS));

  app.get<{ Querystring: ListQuery }>(
    '/inbox/escalations',
    { onRequest: requireApprover(context.approvers), schema: { querystring: listQuerySchema } },
    async (request, reply) => {
      const page = await listEscalations(client, listOptions(request.query, context.taskQueue));
      // The approver sees the input in order to judge and edit it; one history read per card.
      const rows = await Promise.all(
        page.escalations.map(async (row) => ({
          row,
          input: await getEscalation(client, row.id).then(
            (detail) => detail.input,
            () => undefined,
          ),
        })),
      );
      return send(reply, 'text/html', escalationCards(rows, page.nextPageToken, webUiOf(context)));
    },
  );

  app.get<{ Querystring: GroupsQuery }>(
    '/inbox/groups',
    { onRequest: requireApprover(context.approvers), schema: { querystring: groupsQuerySchema } },
    async (request, reply) => {
      const page = await groupEscalations(client, groupsOptions(request.query, context.taskQueue));
      const batches = await batchProgressOf(
        client,
        page.groups.flatMap((group) => (group.key.batch !== undefined ? [group.key.batch] : [])),
      );
      const webUi = webUiOf(context);
      return send(reply, 'text/html', groupCards(page, { batches, now: new Date(), ...(webUi ? { webUi } : {}) }));
    },
  );
}
