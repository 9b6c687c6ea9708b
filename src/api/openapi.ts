/** The OpenAPI 3.0 document of the approval API, built from the same schemas fastify validates with. */
import { bulkPaths } from './bulk-openapi';
import { grantPaths } from './grant-openapi';
import { policiesPaths } from './policies-openapi';
import { API_ERRORS, type ApiErrorCode } from './errors';
import { CALLER_SCHEME, guardPaths } from './guard-openapi';
import { extendBodySchema } from './extend-route';
import {
  approveBodySchema,
  denyBodySchema,
  escalationParamsSchema,
  linkFormSchema,
  linkParamsSchema,
  listQuerySchema,
} from './schemas';

type Schema = { properties: Record<string, object>; required?: readonly string[] };

function parameters(location: 'path' | 'query', schema: Schema) {
  return Object.entries(schema.properties).map(([name, property]) => {
    const { description, ...rest } = property as { description?: string };
    return {
      name,
      in: location,
      required: location === 'path' || (schema.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function errors(...codes: ApiErrorCode[]) {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of codes) {
    const status = API_ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      {
        description: list.map((code) => `${code}: ${API_ERRORS[code].description}`).join('; '),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    ]),
  );
}

/** What any route may answer, whatever it does: HTTP-level refusals and the unexpected. */
export const ANY_ROUTE_ERRORS: ApiErrorCode[] = [
  'GUARD_INVALID_REQUEST',
  'GUARD_ROUTE_NOT_FOUND',
  'GUARD_METHOD_NOT_ALLOWED',
  'GUARD_REQUEST_TIMEOUT',
  'GUARD_URI_TOO_LONG',
  'GUARD_HEADERS_TOO_LARGE',
  'GUARD_INTERNAL',
];

function anyRouteErrors() {
  return {
    default: {
      description: ANY_ROUTE_ERRORS.map(
        (code) => `${code} (${API_ERRORS[code].status}): ${API_ERRORS[code].description}`,
      ).join('; '),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    },
  };
}

/** Adds the errors any route may answer to every operation of the document. */
function withAnyRouteErrors(paths: Record<string, Record<string, { responses: object; [key: string]: unknown }>>) {
  return Object.fromEntries(
    Object.entries(paths).map(([path, operations]) => [
      path,
      Object.fromEntries(
        Object.entries(operations).map(([method, operation]) => [
          method,
          { ...operation, responses: { ...operation.responses, ...anyRouteErrors() } },
        ]),
      ),
    ]),
  );
}

const json = (schema: object) => ({ 'application/json': { schema } });
const ok = (description: string, schema: object) => ({ description, content: json(schema) });
const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const secured = [{ bearer: [] }];
const auth: ApiErrorCode[] = ['GUARD_UNAUTHORIZED'];
const decisionErrors: ApiErrorCode[] = [
  ...auth,
  'GUARD_INVALID_REQUEST',
  'GUARD_INVALID_APPROVAL',
  'GUARD_INPUT_LIMIT',
  'GUARD_FORBIDDEN',
  'GUARD_ESCALATION_NOT_FOUND',
  'GUARD_ALREADY_DECIDED',
  'GUARD_NOT_PENDING',
  'GUARD_NOT_ESCALATED',
  'GUARD_TIMED_OUT',
  'GUARD_PAYLOAD_TOO_LARGE',
  'GUARD_UNSUPPORTED_MEDIA_TYPE',
  'GUARD_TOO_MANY_DECISIONS',
];

const ruleHit = {
  type: 'object',
  required: ['id', 'action', 'mode'],
  properties: {
    id: { type: 'string' },
    action: { type: 'string', enum: ['allow', 'block', 'modify', 'escalate'] },
    mode: { type: 'string', enum: ['enforce', 'audit'] },
    message: { type: 'string' },
  },
};

/** The OpenAPI document served at `/openapi.json`. */
export function openApiDocument(): Record<string, unknown> {
  const guard = guardPaths({ parameters, errors, ok, json });
  return {
    openapi: '3.0.3',
    info: {
      title: 'durable-guard approval API',
      version: '1',
      description:
        'List and decide escalated AI-agent tool calls. Decisions go through the `decide` update of the ' +
        'guardedCall workflow, so the answer is final. Every answer that is not 2xx is ' +
        '`{ error: { code, message } }` with the status of its code; 5xx answers add `requestId`, which every ' +
        'answer also carries in the `x-request-id` header.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an approver token' },
        caller: CALLER_SCHEME,
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: Object.keys(API_ERRORS) },
                message: { type: 'string' },
                requestId: { type: 'string', description: 'on 5xx answers: the request ID of its line in the API log' },
              },
            },
          },
        },
        RuleHit: ruleHit,
        ...guard.schemas,
        GuardResult: {
          type: 'object',
          required: ['action', 'rulesTriggered'],
          properties: {
            action: { type: 'string', enum: ['allow', 'block', 'modify', 'escalate'] },
            modifiedInput: { type: 'object' },
            reason: { type: 'string' },
            rulesTriggered: { type: 'array', items: { $ref: '#/components/schemas/RuleHit' } },
            escalationId: { type: 'string' },
            decidedBy: {
              type: 'object',
              required: ['kind', 'at'],
              properties: {
                kind: { type: 'string', enum: ['policy', 'human', 'timeout'] },
                identity: { type: 'string' },
                at: { type: 'string', format: 'date-time' },
              },
            },
            approvals: { $ref: '#/components/schemas/QuorumProgress' },
          },
        },
        QuorumVote: {
          type: 'object',
          required: ['by', 'groups', 'at'],
          properties: {
            by: { type: 'string' },
            groups: { type: 'array', items: { type: 'string' } },
            at: { type: 'string', format: 'date-time' },
            reason: { type: 'string' },
          },
        },
        QuorumProgress: {
          type: 'object',
          description: 'the votes of a rule that needs several approvers (docs/policies.md "Quorum")',
          required: ['required', 'allOf', 'denyCount', 'approvals', 'denials', 'remaining', 'missingGroups'],
          properties: {
            required: { type: 'integer' },
            allOf: { type: 'array', items: { type: 'string' } },
            denyCount: { type: 'integer' },
            approvals: { type: 'array', items: { $ref: '#/components/schemas/QuorumVote' } },
            denials: { type: 'array', items: { $ref: '#/components/schemas/QuorumVote' } },
            remaining: { type: 'integer' },
            missingGroups: { type: 'array', items: { type: 'string' } },
          },
        },
        EscalationSummary: {
          type: 'object',
          required: ['id', 'tool', 'startedAt', 'rules', 'approverGroups'],
          properties: {
            id: { type: 'string' },
            tool: { type: 'string' },
            startedAt: { type: 'string', format: 'date-time' },
            batch: { type: 'string' },
            reason: { type: 'string' },
            rules: { type: 'array', items: { $ref: '#/components/schemas/RuleHit' } },
            expiresAt: { type: 'string', format: 'date-time' },
            approverGroups: { type: 'array', items: { type: 'string' } },
            approvals: { $ref: '#/components/schemas/QuorumProgress' },
            ladder: { $ref: '#/components/schemas/Ladder' },
          },
        },
        Ladder: {
          type: 'object',
          description: "A rule's escalation ladder: the steps taken, the next one and when, and what the end decides",
          required: ['taken', 'onTimeout'],
          properties: {
            taken: {
              type: 'array',
              items: {
                type: 'object',
                required: ['kind', 'at', 'expiresAt'],
                properties: {
                  kind: { type: 'string', enum: ['remind', 'route', 'escalate', 'extend'] },
                  at: { type: 'string', format: 'date-time' },
                  approverGroups: { type: 'array', items: { type: 'string' } },
                  channels: { type: 'array', items: { type: 'string' } },
                  by: { type: 'string' },
                  expiresAt: { type: 'string', format: 'date-time' },
                },
              },
            },
            next: {
              type: 'object',
              required: ['kind', 'at', 'summary'],
              properties: {
                kind: { type: 'string', enum: ['remind', 'route', 'end'] },
                at: { type: 'string', format: 'date-time' },
                summary: { type: 'string' },
              },
            },
            onTimeout: { type: 'string', enum: ['block', 'allow', 'escalate'] },
            extendableUntil: { type: 'string', format: 'date-time' },
          },
        },
        EscalationDetail: {
          type: 'object',
          required: ['id', 'tool', 'input', 'status', 'startedAt', 'rules', 'approverGroups', 'decisions'],
          properties: {
            id: { type: 'string' },
            tool: { type: 'string' },
            input: { type: 'object' },
            context: { type: 'object' },
            status: {
              type: 'string',
              enum: [
                'deciding',
                'pending-approval',
                'approved',
                'denied',
                'timed-out',
                'running-tool',
                'done',
                'failed',
              ],
            },
            startedAt: { type: 'string', format: 'date-time' },
            reason: { type: 'string' },
            rules: { type: 'array', items: { $ref: '#/components/schemas/RuleHit' } },
            expiresAt: { type: 'string', format: 'date-time' },
            approverGroups: { type: 'array', items: { type: 'string' } },
            ladder: { $ref: '#/components/schemas/Ladder' },
            approvals: { $ref: '#/components/schemas/QuorumProgress' },
            result: { $ref: '#/components/schemas/GuardResult' },
            decisions: {
              type: 'array',
              items: {
                type: 'object',
                required: ['decision', 'at'],
                properties: {
                  decision: { type: 'string', enum: ['approve', 'deny', 'timeout'] },
                  by: { type: 'string' },
                  at: { type: 'string', format: 'date-time' },
                  reason: { type: 'string' },
                  modifiedInput: { type: 'object' },
                },
              },
            },
          },
        },
      },
    },
    paths: withAnyRouteErrors({
      ...guard.paths,
      ...bulkPaths({ parameters, errors, ok, json, secured }),
      ...grantPaths({ parameters, errors, ok, json, secured }),
      ...policiesPaths({ parameters, errors, ok, json, secured }),
      '/v1/escalations': {
        get: {
          summary: 'Pending escalations (visibility query GuardStatus = pending-approval)',
          security: secured,
          parameters: parameters('query', listQuerySchema),
          responses: {
            '200': ok('one page', {
              type: 'object',
              required: ['escalations'],
              properties: {
                escalations: { type: 'array', items: { $ref: '#/components/schemas/EscalationSummary' } },
                nextPageToken: { type: 'string' },
              },
            }),
            ...errors(...auth, 'GUARD_INVALID_REQUEST'),
          },
        },
      },
      '/v1/escalations/{id}': {
        get: {
          summary: 'One guarded call: input, rules, reason, status and decisions',
          security: secured,
          parameters: parameters('path', escalationParamsSchema),
          responses: {
            '200': ok('the escalation', { $ref: '#/components/schemas/EscalationDetail' }),
            ...errors(...auth, 'GUARD_ESCALATION_NOT_FOUND'),
          },
        },
      },
      '/v1/escalations/{id}/approve': {
        post: {
          summary: 'Approve, optionally with edited input; answers with the final result',
          security: secured,
          parameters: parameters('path', escalationParamsSchema),
          requestBody: { required: false, content: json(approveBodySchema) },
          responses: {
            '200': ok('the final result (allow, or modify with the edited input)', {
              $ref: '#/components/schemas/GuardResult',
            }),
            ...errors(...decisionErrors, 'GUARD_EDIT_REFUSED'),
          },
        },
      },
      '/v1/escalations/{id}/deny': {
        post: {
          summary: 'Deny; answers with the final result (block)',
          security: secured,
          parameters: parameters('path', escalationParamsSchema),
          requestBody: { required: true, content: json(denyBodySchema) },
          responses: {
            '200': ok('the final result', { $ref: '#/components/schemas/GuardResult' }),
            ...errors(...decisionErrors),
          },
        },
      },
      '/v1/escalations/{id}/extend': {
        post: {
          summary: "Extend a pending approval window up to the rule's maxWindow; answers with the call's status",
          security: secured,
          parameters: parameters('path', escalationParamsSchema),
          requestBody: { required: true, content: json(extendBodySchema) },
          responses: {
            '200': ok("the call's status, with the new expiresAt and the ladder", { type: 'object' }),
            ...errors(...decisionErrors, 'GUARD_EXTEND_REFUSED'),
          },
        },
      },
      '/v1/escalations/{id}/links': {
        post: {
          summary: 'Mint signed one-click approve and deny links for the authenticated approver',
          security: secured,
          parameters: parameters('path', escalationParamsSchema),
          responses: {
            '200': ok('the links', {
              type: 'object',
              required: ['approve', 'deny', 'expiresAt'],
              properties: {
                approve: { type: 'string', format: 'uri' },
                deny: { type: 'string', format: 'uri' },
                expiresAt: { type: 'string', format: 'date-time' },
              },
            }),
            ...errors(
              ...auth,
              'GUARD_FORBIDDEN',
              'GUARD_ESCALATION_NOT_FOUND',
              'GUARD_ALREADY_DECIDED',
              'GUARD_TIMED_OUT',
              'GUARD_LINKS_DISABLED',
            ),
          },
        },
      },
      '/v1/links/{token}': {
        get: {
          summary: 'Confirmation page of a one-click link (never decides)',
          parameters: parameters('path', linkParamsSchema),
          responses: {
            '200': html('the escalation and a confirm button'),
            ...errors('GUARD_LINK_MALFORMED', 'GUARD_LINK_FORGED', 'GUARD_LINK_EXPIRED', 'GUARD_LINKS_DISABLED'),
          },
        },
        post: {
          summary: 'Redeem a one-click link (single use) and decide',
          parameters: parameters('path', linkParamsSchema),
          requestBody: {
            required: false,
            content: { 'application/x-www-form-urlencoded': { schema: linkFormSchema }, ...json(linkFormSchema) },
          },
          responses: {
            '200': ok('the final result (an HTML page when the browser asks for text/html)', {
              $ref: '#/components/schemas/GuardResult',
            }),
            ...errors(
              'GUARD_LINK_MALFORMED',
              'GUARD_LINK_FORGED',
              'GUARD_LINK_EXPIRED',
              'GUARD_LINK_USED',
              'GUARD_ALREADY_DECIDED',
              'GUARD_TIMED_OUT',
              'GUARD_ESCALATION_NOT_FOUND',
            ),
          },
        },
      },
      '/v1/me': {
        get: {
          summary: 'The authenticated approver',
          security: secured,
          responses: {
            '200': ok('id and groups', {
              type: 'object',
              properties: { id: { type: 'string' }, groups: { type: 'array', items: { type: 'string' } } },
            }),
            ...errors(...auth),
          },
        },
      },
      '/healthz': {
        get: {
          summary: 'Liveness and the Temporal connection',
          responses: {
            '200': ok('healthy', { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } }),
            ...errors('GUARD_TEMPORAL_UNAVAILABLE'),
          },
        },
      },
      '/': { get: { summary: 'The approvals inbox (HTML)', responses: { '200': html('the inbox page') } } },
      '/inbox/policies': {
        get: { summary: 'The read-only Policies page (HTML)', responses: { '200': html('the policies page') } },
      },
      '/openapi.json': {
        get: { summary: 'This document', responses: { '200': ok('OpenAPI 3.0', { type: 'object' }) } },
      },
    }),
  };
}
