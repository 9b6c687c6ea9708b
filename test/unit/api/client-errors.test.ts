import { connect } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { startApi, type RunningApi } from '../../../src/api';
import { createApproverRegistry } from '../../../src/approvals';
import { contractProblem } from './contract';

// What Node's HTTP parser refuses never reaches fastify's routing: only a real socket shows the answer.
let api: RunningApi;
let connection: Connection;
beforeAll(async () => {
  connection = Connection.lazy({ address: '127.0.0.1:1', interceptors: [] });
  api = await startApi({
    client: new Client({ connection }),
    taskQueue: 'unit',
    approvers: createApproverRegistry([]),
    port: 0,
  });
});
afterAll(async () => {
  await api.close();
  await connection.close();
});

async function rawExchange(text: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { port } = new URL(api.url);
  const answer = await new Promise<string>((resolve, reject) => {
    let received = '';
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

test.each([
  {
    name: 'a URL over the header limit of Node',
    text: `GET /v1/escalations?tool=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: 414,
    code: 'GUARD_URI_TOO_LONG',
  },
  {
    name: 'headers over the limit',
    text: `GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    status: 431,
    code: 'GUARD_HEADERS_TOO_LARGE',
  },
  { name: 'a method that is not one', text: 'GARBAGE\r\n\r\n', status: 400, code: 'GUARD_INVALID_REQUEST' },
  {
    name: 'a bad content-length',
    text: 'POST /v1/me HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    status: 400,
    code: 'GUARD_INVALID_REQUEST',
  },
])('$name: $status $code with a request ID', async ({ text, status, code }) => {
  const res = await rawExchange(text);
  expect(res.status).toBe(status);
  expect(contractProblem(res.status, res.headers['content-type'], res.body)).toBeUndefined();
  expect(JSON.parse(res.body).error.code).toBe(code);
  expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(res.headers.connection).toBe('close');
});
