/**
 * The JSON body parser: fastify's own (prototype-poisoning checks included) behind a bracket-depth pre-scan, so a
 * deeply nested body is refused before it is parsed, and a body that is not a JSON object is refused with a
 * message that says what it was instead.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './errors';
import { MAX_BODY_DEPTH } from './request-limits';

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth` (the top-level value is depth 1), read in one
 * pass that stops at the first level too deep. Brackets inside strings do not count; text that is not JSON gives
 * some answer and is refused by the parser afterwards.
 */
export function jsonNestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) inString = true;
    else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth--;
  }
  return false;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function syntaxProblem(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Replaces fastify's `application/json` parser with the checked one, and drops its `text/plain` parser: bodies are
 * JSON (or the link form), anything else is 415.
 */
export function registerJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonNestsDeeperThan(text, MAX_BODY_DEPTH)) {
      done(
        new ApiError(
          'GUARD_INPUT_LIMIT',
          `the request body is nested more than ${MAX_BODY_DEPTH} levels deep (limit input.maxDepth + 1: ` +
            'a body holds at most one input, modifiedInput, one level down)',
        ),
        undefined,
      );
      return;
    }
    void parse(request, text, (err, value: unknown) => {
      if (err) {
        if (text.length === 0) return done(err, undefined);
        const syntax = syntaxProblem(text);
        const problem = syntax
          ? `the body is not valid JSON (${syntax}): send one JSON object`
          : 'the body has a __proto__ key or a constructor.prototype, refused against prototype poisoning: rename the key';
        return done(new ApiError('GUARD_INVALID_REQUEST', problem, { cause: err }), undefined);
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return done(
          new ApiError(
            'GUARD_INVALID_REQUEST',
            `the body is ${kindOf(value)}, not a JSON object: send an object such as {"reason": "..."}, or no body`,
          ),
          undefined,
        );
      }
      done(null, value);
    });
  });
}

/**
 * An absent body means `{}`, so `curl -X POST .../approve` works without `-d '{}'`. A JSON `null` is not absent:
 * the JSON parser refuses it, like any body that is not an object.
 */
export async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}
