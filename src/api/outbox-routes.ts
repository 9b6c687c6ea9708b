/** The local outbox of `durable-guard start`: notifications for channels without a webhook, shown in the inbox. */
import type { FastifyInstance } from 'fastify';
import type { LocalOutbox } from '../activities/local-outbox';
import { requireApprover } from './auth';
import type { ApiContext } from './context';
import { CONTENT_SECURITY_POLICY, escapeHtml } from './html';

const SHOWN = 20;

/** The inbox fragment: what would have been sent, newest first. */
export function outboxFragment(outbox: LocalOutbox): string {
  const entries = outbox.list(SHOWN);
  if (entries.length === 0) return '';
  const items = entries
    .map(
      ({ channel, at, event }) =>
        `<li><time datetime="${escapeHtml(at)}">${escapeHtml(at)}</time> to <code>${escapeHtml(channel)}</code>: ` +
        `${escapeHtml(event.type)} <code>${escapeHtml(event.tool)}</code> ${escapeHtml(event.escalationId)}` +
        `${event.decision ? ` (${escapeHtml(event.decision)}${event.decidedBy ? ` by ${escapeHtml(event.decidedBy)}` : ''})` : ''}</li>`,
    )
    .join('\n');
  return `<h2>Would have been sent</h2>
<p>These channels have no webhook (DURABLE_GUARD_WEBHOOKS); this is what they would have received.</p>
<ul>${items}</ul>`;
}

/** `GET /v1/outbox` (JSON) and `GET /inbox/outbox` (fragment), only when the API was given an outbox. */
export function registerOutboxRoutes(app: FastifyInstance, context: ApiContext, outbox: LocalOutbox): void {
  const onRequest = requireApprover(context.approvers);
  app.get('/v1/outbox', { onRequest }, async () => ({ notifications: outbox.list() }));
  app.get('/inbox/outbox', { onRequest }, async (_request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('cache-control', 'no-store')
      .send(outboxFragment(outbox)),
  );
}
