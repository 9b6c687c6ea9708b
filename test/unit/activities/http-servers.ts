import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP server on 127.0.0.1 whose handler a test swaps; records request bodies and headers. */
export interface TestServer {
  url: string;
  requests: { body: unknown; headers: IncomingMessage['headers'] }[];
  handle: (handler: (res: ServerResponse, attempt: number) => void) => void;
  close: () => Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  let handler: (res: ServerResponse, attempt: number) => void = (res) => res.end('{}');
  const requests: TestServer['requests'] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      requests.push({ body: JSON.parse(text || 'null'), headers: req.headers });
      handler(res, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle: (next) => {
      handler = next;
      requests.length = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}
