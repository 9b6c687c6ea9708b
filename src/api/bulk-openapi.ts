/** The OpenAPI paths of the grouped queue and bulk decisions; the document's helpers are passed in. */
import type { ApiErrorCode } from './errors';
import { bulkBodySchema, bulkParamsSchema, groupsQuerySchema } from './bulk-schemas';

export type Schema = { properties: Record<string, object>; required?: readonly string[] };

export interface Helpers {
  parameters: (location: 'path' | 'query', schema: Schema) => object[];
  errors: (...codes: ApiErrorCode[]) => object;
  ok: (description: string, schema: object) => object;
  json: (schema: object) => object;
  secured: object[];
}

const counts = {
  type: 'object',
  properties: Object.fromEntries(
    ['decided', 'already-decided', 'timed-out', 'not-allowed', 'not-matched', 'failed'].map((k) => [
      k,
      { type: 'integer' },
    ]),
  ),
};
const progress = {
  type: 'object',
  required: ['id', 'state', 'decision', 'seen', 'counts', 'problems'],
  properties: {
    id: { type: 'string' },
    state: { type: 'string', enum: ['running', 'completed'] },
    decision: { type: 'string', enum: ['approve', 'deny'] },
    filter: { type: 'object' },
    approver: { type: 'string' },
    seen: { type: 'integer' },
    counts,
    problems: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, outcome: { type: 'string' }, message: { type: 'string' } },
      },
    },
    pages: { type: 'integer' },
    runs: { type: 'integer' },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
  },
};

export function bulkPaths({ parameters, errors, ok, json, secured }: Helpers) {
  return {
    '/v1/escalations/groups': {
      get: {
        summary: 'Pending escalations grouped by batch, tool and rule: count, oldest start, earliest expiry, a sample',
        security: secured,
        parameters: parameters('query', groupsQuerySchema),
        responses: {
          '200': ok('one page of groups, largest first', {
            type: 'object',
            required: ['by', 'groups', 'total', 'truncated'],
            properties: {
              by: { type: 'array', items: { type: 'string' } },
              groups: { type: 'array', items: { type: 'object' } },
              total: { type: 'integer' },
              truncated: { type: 'boolean' },
              nextPageToken: { type: 'string' },
            },
          }),
          ...errors('GUARD_UNAUTHORIZED', 'GUARD_INVALID_REQUEST'),
        },
      },
    },
    '/v1/escalations/decisions': {
      post: {
        summary: 'Approve or deny every pending escalation a filter covers (a durable bulkDecision workflow)',
        security: secured,
        requestBody: { required: true, content: json(bulkBodySchema) },
        responses: {
          '200': ok('dry run: how many escalations the filter covers, and a sample', {
            type: 'object',
            properties: { dryRun: { type: 'boolean' }, count: { type: 'integer' }, sample: { type: 'array' } },
          }),
          '202': ok('started: the bulk decision ID', {
            type: 'object',
            properties: { id: { type: 'string' }, state: { type: 'string' }, url: { type: 'string' } },
          }),
          ...errors(
            'GUARD_UNAUTHORIZED',
            'GUARD_INVALID_REQUEST',
            'GUARD_PAYLOAD_TOO_LARGE',
            'GUARD_UNSUPPORTED_MEDIA_TYPE',
          ),
        },
      },
    },
    '/v1/escalations/decisions/{id}': {
      get: {
        summary: 'A bulk decision: progress while running, the outcome counts once done',
        security: secured,
        parameters: parameters('path', bulkParamsSchema),
        responses: {
          '200': ok('progress', progress),
          ...errors('GUARD_UNAUTHORIZED', 'GUARD_BULK_DECISION_NOT_FOUND'),
        },
      },
    },
  };
}
