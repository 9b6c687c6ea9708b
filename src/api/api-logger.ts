/**
 * The API's log settings (fastify's pino): JSON lines, the request ID on each, secrets kept out. Approver tokens
 * travel in `Authorization` and link tokens in `/v1/links/<token>`: neither may reach the log.
 */
import type { FastifyRequest, FastifyServerOptions } from 'fastify';

type LoggerOptions = Exclude<NonNullable<FastifyServerOptions['logger']>, boolean>;

const LINK_PATH = /^(\/v1\/links\/)[^/?#]+/;

/** A URL as logged: a link token in the path is replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(LINK_PATH, '$1[redacted]');
}

/** Log lines that carry headers (a custom `log.info({ headers })`) have these censored. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
  };
}

/**
 * The logger options of {@link buildApi}: `overrides` (level, stream, ...) with the redaction and the request
 * serializer always applied. @param overrides e.g. `{ level: 'info', stream: process.stderr }`
 */
export function apiLoggerOptions(overrides: LoggerOptions = {}): LoggerOptions {
  return {
    level: 'info',
    ...overrides,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { ...overrides.serializers, req: serializeRequest },
  };
}
