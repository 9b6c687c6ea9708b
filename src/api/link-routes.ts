/**
 * `/v1/links/:token`: signed one-click links. `GET` only shows the escalation and a confirm button (mail
 * scanners and chat unfurlers fetch URLs); `POST` redeems the token (single use) and decides.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext } from './context';
import { decideEscalation } from './decide';
import { getEscalation } from './escalations';
import { ApiError } from './errors';
import { CONTENT_SECURITY_POLICY } from './html';
import { linkConfirmPage, linkOutcomePage } from './inbox-page';
import { emptyBodyAsObject } from './json-body';
import { linkFormSchema, linkParamsSchema, type LinkForm } from './schemas';
import { toApiError } from './to-api-error';

type LinkRoute = { Params: { token: string } };

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

function sendHtml(reply: FastifyReply, status: number, body: string) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('cache-control', 'no-store')
    .send(body);
}

function disabled(): ApiError {
  return new ApiError(
    'GUARD_LINKS_DISABLED',
    'approval links are off: set DURABLE_GUARD_LINK_SECRET (openssl rand -base64 32) and restart the API',
  );
}

export function registerLinkRoutes(app: FastifyInstance, context: ApiContext): void {
  const { client, guard } = context;

  // The confirmation page is HTML; a refusal is a page for a browser (Accept: text/html), else the coded JSON error.
  app.get<LinkRoute>('/v1/links/:token', { schema: { params: linkParamsSchema } }, async (request, reply) => {
    try {
      if (!context.links) throw disabled();
      const link = context.links.verify(request.params.token);
      const detail = await getEscalation(client, link.escalationId);
      return sendHtml(reply, 200, linkConfirmPage(detail, link));
    } catch (err) {
      if (!wantsHtml(request)) throw err;
      const apiError = toApiError(err);
      if (apiError.statusCode >= 500) throw err;
      return sendHtml(reply, apiError.statusCode, linkOutcomePage('This link cannot be used', apiError.message));
    }
  });

  app.post<LinkRoute & { Body: LinkForm }>(
    '/v1/links/:token',
    {
      preValidation: emptyBodyAsObject,
      schema: { params: linkParamsSchema, body: linkFormSchema },
    },
    async (request, reply) => {
      const html = wantsHtml(request);
      try {
        if (!context.links) throw disabled();
        // Redeem first: a forged, expired or used link never reaches Temporal.
        const link = await context.links.redeem(request.params.token);
        const reason =
          request.body.reason?.trim() ||
          `${link.decision === 'approve' ? 'approved' : 'denied'} by ${link.approver} via a signed link`;
        const result = await decideEscalation(
          { client, guard, lanes: context.lanes },
          link.escalationId,
          { id: link.approver, ...(link.groups ? { groups: link.groups } : {}) },
          {
            decision: link.decision,
            reason,
          },
        );
        if (!html) return result;
        const verb = link.decision === 'approve' ? 'Approved' : 'Denied';
        return sendHtml(
          reply,
          200,
          linkOutcomePage(verb, `${verb} ${link.escalationId}: the call is now ${result.action}.`),
        );
      } catch (err) {
        if (!html) throw err;
        const apiError = toApiError(err);
        if (apiError.statusCode >= 500) throw err;
        return sendHtml(reply, apiError.statusCode, linkOutcomePage('Not decided', apiError.message));
      }
    },
  );
}
