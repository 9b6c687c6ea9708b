/**
 * Tool schemas that arrive with a call (the tool definitions the model was shown, attached by the provider
 * integrations). The guard compiles and applies them itself: the caller only says what the model was told, and
 * a schema can only refuse more calls, never let through one that the policy refuses.
 */
import Ajv, { type ValidateFunction } from 'ajv';

import { describeSchemaError, re2Engine } from './tool-schemas';

// Lenient where providers are (unknown keywords, `format`s are ignored), strict where it matters: `pattern` runs
// with RE2 semantics, so a hostile schema cannot make validation backtrack.
const ajv = new Ajv({ strict: false, validateFormats: false, allowUnionTypes: true, code: { regExp: re2Engine } });
const cacheLimit = 256;
const compiled = new Map<string, ValidateFunction | string>();

/**
 * The validator's complaint about `input` under `schema`, or undefined when it validates.
 * @returns `does not compile: ...` for a schema ajv refuses (the call is then blocked: fail closed)
 */
export function callerSchemaProblem(schema: Record<string, unknown>, input: unknown): string | undefined {
  const validate = compile(schema);
  if (typeof validate === 'string') return `the tool schema given with the call does not compile: ${validate}`;
  if (validate(input)) return undefined;
  const error = validate.errors?.[0];
  return error ? describeSchemaError(error) : 'input does not match';
}

function compile(schema: Record<string, unknown>): ValidateFunction | string {
  // `$schema` names a draft (2020-12 from many generators) that this ajv instance need not know; the keywords
  // providers accept are the same.
  const rest: Record<string, unknown> = { ...schema };
  delete rest.$schema;
  delete rest.$id;
  const key = JSON.stringify(rest);
  let entry = compiled.get(key);
  if (entry === undefined) {
    try {
      entry = ajv.compile(rest);
    } catch (error) {
      entry = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'invalid schema';
    } finally {
      // ajv keeps every schema it compiled; this memo is the bounded one (the validator keeps working).
      ajv.removeSchema(rest);
    }
    if (compiled.size >= cacheLimit) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, entry);
  }
  return entry;
}
