/**
 * Schema failures as messages that name the field and what it expects: the property's own `description`
 * (`olderThan must match pattern ... (olderThan: started more than this long ago, e.g. 10m)`), and the known
 * fields when an unknown one is sent.
 */
import type { FastifySchemaValidationError } from 'fastify';

interface VerboseError extends FastifySchemaValidationError {
  parentSchema?: { description?: unknown; properties?: Record<string, unknown> };
}

function describe(error: VerboseError, dataVar: string): string {
  const where = `${dataVar}${error.instancePath}`;
  const parent = error.parentSchema;
  if (error.keyword === 'additionalProperties') {
    const field = String((error.params as { additionalProperty?: unknown }).additionalProperty);
    const known = Object.keys(parent?.properties ?? {});
    return `${where} must NOT have additional properties: '${field}' is not a field (known: ${known.join(', ') || 'none'})`;
  }
  const name = error.instancePath.split('/').pop() || dataVar;
  const expected = typeof parent?.description === 'string' ? ` (${name}: ${parent.description})` : '';
  return `${where} ${error.message ?? 'is invalid'}${expected}`;
}

/** fastify's `schemaErrorFormatter`: the first failure, described (ajv runs with `allErrors: false`). */
export function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const first = errors[0] as VerboseError | undefined;
  return new Error(first ? describe(first, dataVar) : `${dataVar} is invalid`);
}
