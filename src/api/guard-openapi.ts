/** The guard endpoint's part of the OpenAPI document, built from the schemas fastify validates with. */
import type { ApiErrorCode } from './errors';
import { callParamsSchema, callQuerySchema, guardAnswerSchema, guardBodySchema } from './guard-schemas';

type Schema = { properties: Record<string, object>; required?: readonly string[] };

/** The document helpers of openapi.ts, handed in so the two modules do not import each other. */
export interface OpenApiHelpers {
  parameters(location: 'path' | 'query', schema: Schema): object[];
  errors(...codes: ApiErrorCode[]): Record<string, object>;
  ok(description: string, schema: object): object;
  json(schema: object): object;
}

/** Security of the guard routes: a caller token, never an approver's. */
export const CALLER_SECURITY = [{ caller: [] }];
export const CALLER_SCHEME = {
  type: 'http',
  scheme: 'bearer',
  description: 'a caller token (DURABLE_GUARD_CALLER_TOKENS)',
};

export function guardPaths({ parameters, errors, ok, json }: OpenApiHelpers) {
  const answer = { $ref: '#/components/schemas/GuardAnswer' };
  const pending = {
    description: 'escalated, waiting for a human: poll Location (`GET /v1/calls/{id}?wait=30s`) for the result',
    headers: { Location: { schema: { type: 'string' }, description: 'where the result will be' } },
    content: json(answer),
  };
  return {
    schemas: { GuardAnswer: guardAnswerSchema },
    paths: {
      '/v1/guard': {
        post: {
          summary: "Decide one tool call (the seed's guard(); the caller runs the tool itself)",
          security: CALLER_SECURITY,
          requestBody: { required: true, content: json(guardBodySchema) },
          responses: {
            '200': ok('the decision: allow, modify, block, or escalate for a fire-and-forget call', answer),
            '202': pending,
            ...errors(
              'GUARD_UNAUTHORIZED',
              'GUARD_INVALID_REQUEST',
              'GUARD_INPUT_LIMIT',
              'GUARD_CALL_ID_CONFLICT',
              'GUARD_PAYLOAD_TOO_LARGE',
              'GUARD_UNSUPPORTED_MEDIA_TYPE',
              'GUARD_TEMPORAL_UNAVAILABLE',
            ),
          },
        },
      },
      '/v1/calls/{id}': {
        get: {
          summary: "A guarded call's result, long-polled up to ?wait",
          security: CALLER_SECURITY,
          parameters: [...parameters('path', callParamsSchema), ...parameters('query', callQuerySchema)],
          responses: {
            '200': ok('the final decision', answer),
            '202': pending,
            ...errors('GUARD_UNAUTHORIZED', 'GUARD_ESCALATION_NOT_FOUND', 'GUARD_TEMPORAL_UNAVAILABLE'),
          },
        },
      },
    },
  };
}
