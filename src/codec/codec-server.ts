import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { PayloadJsonError, payloadsFromJson, payloadsToJson } from './payload-json';

/** Options of {@link startCodecServer}. */
export interface CodecServerOptions {
  codec: PayloadCodec;
  /** 0 picks a free port. */
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Browser origins allowed to call, e.g. the Web UI `http://localhost:8233`; requests without Origin always pass. */
  allowedOrigins: string[];
  /** When set, `/encode` and `/decode` need `Authorization: Bearer <authToken>`. */
  authToken?: string;
  /** @default 8 MiB (a history page of payloads at base64 size) */
  maxBodyBytes?: number;
}

/** A running codec server. */
export interface CodecServer {
  /** Base URL to give the Web UI (`--ui-codec-endpoint`) or CLI (`--codec-endpoint`). */
  url: string;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
const ALLOWED_HEADERS = 'content-type,x-namespace,authorization';

const errors = {
  CODEC_NOT_FOUND: 404,
  CODEC_METHOD_NOT_ALLOWED: 405,
  CODEC_UNAUTHORIZED: 401,
  CODEC_ORIGIN_FORBIDDEN: 403,
  CODEC_BODY_TOO_LARGE: 413,
  CODEC_BAD_REQUEST: 400,
  CODEC_FAILED: 422,
} as const;
type ErrorCode = keyof typeof errors;

class BodyTooLarge extends Error {}

function normaliseOrigin(origin: string): string {
  return origin.replace(/\/+$/, '');
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, code: ErrorCode, message: string): void {
  sendJson(res, errors[code], { error: { code, message } });
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Serves the Temporal codec-server protocol so the Web UI and CLI can show decrypted payloads: `POST /encode` and
 * `POST /decode` take and return `{ payloads: [...] }` in proto JSON form (metadata values and data as base64).
 * Answers CORS preflight for the allowed origins, refuses other browser origins, optionally checks a bearer token.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const allowedOrigins = new Set(options.allowedOrigins.map(normaliseOrigin));
  const tokenHash = options.authToken === undefined ? undefined : sha256(`Bearer ${options.authToken}`);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!allowedOrigins.has(normaliseOrigin(origin))) {
        sendError(res, 'CODEC_ORIGIN_FORBIDDEN', `origin ${origin} is not allowed; add it to allowedOrigins`);
        return;
      }
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'Origin');
    }
    const path = new URL(req.url ?? '/', 'http://codec').pathname;
    if (path !== '/encode' && path !== '/decode') {
      sendError(res, 'CODEC_NOT_FOUND', `no route ${path}; use POST /encode or POST /decode`);
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST, OPTIONS');
      sendError(res, 'CODEC_METHOD_NOT_ALLOWED', `${req.method ?? '?'} ${path} is not supported; use POST`);
      return;
    }
    if (tokenHash) {
      const presented = sha256(req.headers.authorization ?? '');
      if (!timingSafeEqual(presented, tokenHash)) {
        res.setHeader('www-authenticate', 'Bearer');
        sendError(res, 'CODEC_UNAUTHORIZED', 'missing or wrong bearer token in the Authorization header');
        return;
      }
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    let raw: Buffer;
    try {
      if (declared > maxBodyBytes) throw new BodyTooLarge();
      raw = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      res.setHeader('connection', 'close');
      sendError(res, 'CODEC_BODY_TOO_LARGE', `request body exceeds ${maxBodyBytes} bytes; send fewer payloads`);
      return;
    }
    let payloads;
    try {
      payloads = payloadsFromJson(JSON.parse(raw.toString('utf8')));
    } catch (error) {
      const message = error instanceof PayloadJsonError ? error.message : 'request body is not valid JSON';
      sendError(res, 'CODEC_BAD_REQUEST', message);
      return;
    }
    try {
      const result = path === '/encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
      sendJson(res, 200, payloadsToJson(result));
    } catch (error) {
      sendError(res, 'CODEC_FAILED', error instanceof Error ? error.message : String(error));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 'CODEC_BAD_REQUEST', error instanceof Error ? error.message : 'bad request');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
