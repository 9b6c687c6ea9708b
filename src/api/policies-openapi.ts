/** The OpenAPI paths of the read-only Policies view; the document's helpers are passed in. */
import type { Helpers } from './bulk-openapi';

const counts = { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'integer' } } };

const overview = {
  type: 'object',
  required: ['countedAt', 'files', 'rules', 'uncountedRules', 'shadow'],
  properties: {
    countedAt: { type: 'string', format: 'date-time' },
    version: { type: 'string', description: 'the policyVersion recorded with each decision under these files' },
    files: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'name', 'hash', 'rules'],
        properties: {
          path: { type: 'string' },
          name: { type: 'string' },
          hash: { type: 'string' },
          rules: { type: 'integer' },
        },
      },
    },
    policyError: { type: 'string', description: 'why the files in force could not be loaded' },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'policy', 'type', 'action', 'mode', 'tools'],
        properties: {
          id: { type: 'string' },
          policy: { type: 'string' },
          type: { type: 'string', enum: ['static', 'llm-judge', 'remote'] },
          action: { type: 'string', enum: ['allow', 'modify', 'escalate', 'block'] },
          mode: { type: 'string', enum: ['enforce', 'audit'] },
          tools: { type: 'array', items: { type: 'string' } },
          hits: {
            type: 'object',
            description: 'calls started in the last 24 h / 7 days whose GuardRules name the rule',
            properties: { day: { type: 'integer' }, week: { type: 'integer' } },
          },
        },
      },
    },
    uncountedRules: { type: 'integer' },
    shadow: {
      type: 'object',
      description: "the shadow policies' recorded disagreement over the last 7 days (as policy backtest --shadow)",
      properties: {
        query: { type: 'string' },
        total: { type: 'integer' },
        agreed: { type: 'integer' },
        disagreed: { type: 'integer' },
        matrix: counts,
      },
    },
    lastBacktest: {
      type: 'object',
      description: 'what policy backtest --save kept: savedAt, candidateFiles, failedThresholds and the summary',
    },
    lastBacktestError: { type: 'string' },
  },
};

export function policiesPaths({ errors, ok, secured }: Helpers) {
  return {
    '/v1/policies': {
      get: {
        summary:
          "The policy files in force, each rule's hits over the last day and week, shadow disagreement and the last saved backtest (counts cached 30 s)",
        security: secured,
        responses: { '200': ok('the overview', overview), ...errors('GUARD_UNAUTHORIZED') },
      },
    },
  };
}
