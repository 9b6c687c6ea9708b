/** The OpenAPI paths of standing grants; the document's helpers are passed in. */
import type { Helpers } from './bulk-openapi';
import { grantBodySchema, grantListQuerySchema, grantParamsSchema, revokeQuerySchema } from './grant-schemas';

const grant = {
  type: 'object',
  required: ['id', 'state', 'scope', 'approver', 'reason', 'createdAt', 'expiresAt', 'swept'],
  properties: {
    id: { type: 'string' },
    state: { type: 'string', enum: ['live', 'revoked', 'expired'] },
    scope: grantBodySchema.properties.scope,
    approver: { type: 'string' },
    approverGroups: { type: 'array', items: { type: 'string' } },
    ruleGroups: { type: 'array', items: { type: 'string' } },
    reason: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    revokedAt: { type: 'string', format: 'date-time' },
    revokedBy: { type: 'string' },
    revokeReason: { type: 'string' },
    swept: {
      type: 'object',
      description: "outcome counts of the grant's sweeps of the escalations pending at its start",
    },
  },
};

export function grantPaths({ parameters, errors, ok, json, secured }: Helpers) {
  return {
    '/v1/grants': {
      get: {
        summary: 'Standing grants of the task queue, newest first (at most 100)',
        security: secured,
        parameters: parameters('query', grantListQuerySchema),
        responses: {
          '200': ok('the grants', { type: 'object', properties: { grants: { type: 'array', items: grant } } }),
          ...errors('GUARD_UNAUTHORIZED', 'GUARD_INVALID_REQUEST'),
        },
      },
      post: {
        summary:
          'Create a standing grant: approves every matching pending escalation now and every one that arrives until it expires',
        security: secured,
        requestBody: { required: true, content: json(grantBodySchema) },
        responses: {
          '201': ok('created (a standingGrant workflow)', grant),
          ...errors(
            'GUARD_UNAUTHORIZED',
            'GUARD_FORBIDDEN',
            'GUARD_INVALID_REQUEST',
            'GUARD_GRANT_TOO_LONG',
            'GUARD_ESCALATION_NOT_FOUND',
            'GUARD_NO_ESCALATION_FOR_GRANT',
            'GUARD_PAYLOAD_TOO_LARGE',
            'GUARD_UNSUPPORTED_MEDIA_TYPE',
          ),
        },
      },
    },
    '/v1/grants/{id}': {
      get: {
        summary: 'One standing grant',
        security: secured,
        parameters: parameters('path', grantParamsSchema),
        responses: { '200': ok('the grant', grant), ...errors('GUARD_UNAUTHORIZED', 'GUARD_GRANT_NOT_FOUND') },
      },
      delete: {
        summary: 'Revoke a standing grant: it decides nothing more; what it decided stays decided',
        security: secured,
        parameters: [...parameters('path', grantParamsSchema), ...parameters('query', revokeQuerySchema)],
        responses: {
          '200': ok('revoked', grant),
          ...errors('GUARD_UNAUTHORIZED', 'GUARD_FORBIDDEN', 'GUARD_GRANT_NOT_FOUND', 'GUARD_GRANT_NOT_LIVE'),
        },
      },
    },
  };
}
