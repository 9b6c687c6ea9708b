/** Request IDs: the caller's `x-request-id` when it is well formed, else a new UUID; answered in the same header. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

// Printable, without spaces or quotes: safe to reflect in a header and to search for in a log.
const WELL_FORMED = /^[A-Za-z0-9._:=+/-]{1,128}$/;

/** Whether an incoming request ID may be adopted as ours. */
export function isWellFormedRequestId(value: unknown): value is string {
  return typeof value === 'string' && WELL_FORMED.test(value);
}

/** fastify's `genReqId`: adopts a well-formed `x-request-id`, so a proxy's ID follows the request into our log. */
export function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return isWellFormedRequestId(incoming) ? incoming : randomUUID();
}
