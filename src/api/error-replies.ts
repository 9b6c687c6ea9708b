/**
 * One error contract for every answer that is not 2xx, framework errors included: `{ error: { code, message } }`
 * with the status of the code in API_ERRORS, an `x-request-id` header on every answer, and `requestId` in the body
 * of 5xx answers, whose causes are logged under that ID.
 */
import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { ApiError } from './errors';
import { REQUEST_ID_HEADER } from './request-id';
import { MAX_URL_LENGTH } from './request-limits';
import { toApiError } from './to-api-error';

/** Sends a coded error answer; 5xx causes are logged with the request ID the answer carries. */
export function sendApiError(request: FastifyRequest, reply: FastifyReply, err: unknown) {
  const apiError = toApiError(err, request.id);
  if (apiError.statusCode >= 500) {
    const log = apiError.code === 'GUARD_INTERNAL' ? request.log.error : request.log.warn;
    log.call(request.log, { err: apiError.cause ?? err, code: apiError.code }, apiError.message);
  }
  if (apiError.code === 'GUARD_UNAUTHORIZED') reply.header('www-authenticate', 'Bearer');
  if (apiError.code === 'GUARD_TOO_MANY_DECISIONS') reply.header('retry-after', '1');
  return reply
    .status(apiError.statusCode)
    .header(REQUEST_ID_HEADER, request.id)
    .header('content-type', 'application/json; charset=utf-8')
    .send(apiError.toBody(apiError.statusCode >= 500 ? request.id : undefined));
}

/** fastify's `frameworkErrors`: a bad percent-escape or an over-long path segment, before any route runs. */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void sendApiError(request, reply, err);
}

function clientErrorOf(err: NodeJS.ErrnoException & { rawPacket?: Buffer }): ApiError {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new ApiError('GUARD_REQUEST_TIMEOUT', 'the request was not received in time: send it again');
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    // Node counts the request line as a header: a long URL is 414, not 431.
    const lineEnd = err.rawPacket?.indexOf('\n') ?? -1;
    const lineLength = lineEnd === -1 ? (err.rawPacket?.length ?? 0) : lineEnd;
    if (lineLength > MAX_URL_LENGTH) {
      return new ApiError('GUARD_URI_TOO_LONG', `the URL is over ${MAX_URL_LENGTH} characters: shorten it`);
    }
    return new ApiError(
      'GUARD_HEADERS_TOO_LARGE',
      `the request headers are over ${maxHeaderSize} bytes in all: send fewer or smaller ones`,
    );
  }
  return new ApiError('GUARD_INVALID_REQUEST', `malformed HTTP request (${err.code ?? err.message}): send HTTP/1.1`);
}

/**
 * fastify's `clientErrorHandler`: what Node's HTTP parser refuses never becomes a request, so the coded answer is
 * written to the socket directly, as fastify's own handler does.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const apiError = clientErrorOf(err);
  const requestId = randomUUID();
  this.log.debug({ err, requestId, code: apiError.code }, 'refused by the HTTP parser');
  if (socket.writable) {
    const body = JSON.stringify(apiError.toBody());
    socket.write(
      `HTTP/1.1 ${apiError.statusCode} ${STATUS_CODES[apiError.statusCode] ?? 'Error'}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `${REQUEST_ID_HEADER}: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

function pathPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * Coded answers for what no route handles: 404 for an unknown path, 405 with `Allow` for a known path and another
 * method, 414 for a URL over {@link MAX_URL_LENGTH}; and the `x-request-id` header on every answer.
 */
export function registerErrorReplies(app: FastifyInstance): void {
  const routes: { pattern: RegExp; method: string }[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ pattern: pathPattern(route.url), method });
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (request.url.length > MAX_URL_LENGTH) {
      throw new ApiError('GUARD_URI_TOO_LONG', `the URL is over ${MAX_URL_LENGTH} characters: shorten it`);
    }
  });

  app.setErrorHandler((err, request, reply) => sendApiError(request, reply, err));

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendApiError(
        request,
        reply,
        new ApiError(
          'GUARD_METHOD_NOT_ALLOWED',
          `${request.method} is not allowed on ${path}: use ${allowed.join(' or ')}`,
        ),
      );
    }
    return sendApiError(
      request,
      reply,
      new ApiError('GUARD_ROUTE_NOT_FOUND', `no route ${request.method} ${path}: see /openapi.json`),
    );
  });
}
