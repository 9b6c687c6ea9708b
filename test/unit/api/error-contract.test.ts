import { Writable } from 'node:stream';
import type { InjectOptions } from 'fastify';
import { createApprovalLinkSigner, MemoryUsedLinkStore } from '../../../src/approvals';
import { MAX_BODY_DEPTH, MAX_URL_LENGTH } from '../../../src/api';
import { ALICE_TOKEN, apiWithoutTemporal } from './api-app';
import { contractProblem } from './contract';

const auth = { authorization: `Bearer ${ALICE_TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };

let api: Awaited<ReturnType<typeof apiWithoutTemporal>>;
beforeAll(async () => {
  api = await apiWithoutTemporal(1024);
});
afterAll(async () => api.close());

async function expectCoded(request: InjectOptions, status: number, code: string, message?: RegExp | string) {
  const res = await api.app.inject(request);
  expect(contractProblem(res.statusCode, res.headers['content-type'] as string, res.body)).toBeUndefined();
  expect(res.statusCode).toBe(status);
  expect(res.json().error.code).toBe(code);
  if (message) expect(res.json().error.message).toMatch(message);
  return res;
}

describe('framework errors answer in the contract', () => {
  test('404 for an unknown route, 405 with Allow for a known path and another method', async () => {
    await expectCoded({ url: '/v2/nothing' }, 404, 'GUARD_ROUTE_NOT_FOUND', 'no route GET /v2/nothing');
    const res = await expectCoded(
      { method: 'DELETE', url: '/v1/escalations/guard-1', headers: auth },
      405,
      'GUARD_METHOD_NOT_ALLOWED',
      /DELETE is not allowed on \/v1\/escalations\/guard-1: use GET/,
    );
    expect(res.headers.allow).toBe('GET, HEAD');
    const put = await expectCoded(
      { method: 'PUT', url: '/v1/escalations/guard-1/approve' },
      405,
      'GUARD_METHOD_NOT_ALLOWED',
    );
    expect(put.headers.allow).toBe('POST');
  });

  test('414 for a URL over the limit, before authentication', async () => {
    await expectCoded({ url: `/v1/escalations?tool=${'a'.repeat(MAX_URL_LENGTH)}` }, 414, 'GUARD_URI_TOO_LONG', /8192/);
  });

  test('400 for a bad percent-escape in the path', async () => {
    await expectCoded(
      { url: '/v1/escalations/%E0%A4%A', headers: auth },
      400,
      'GUARD_INVALID_REQUEST',
      /percent-encode/,
    );
  });

  test.each([
    ['bad JSON', '{"reason":', /not valid JSON \(.+\)/],
    ['an empty body with content-type json', '', /cannot be empty/],
    ['null', 'null', /the body is null, not a JSON object/],
    ['an array', '[{"reason":"x"}]', /the body is an array/],
    ['a string', '"approve"', /the body is a string/],
    ['a number', '42', /the body is a number/],
    ['a boolean', 'true', /the body is a boolean/],
    ['a __proto__ key', '{"reason":"x","__proto__":{"admin":true}}', /__proto__ key .* prototype poisoning/],
    ['a constructor.prototype', '{"modifiedInput":{"constructor":{"prototype":{}}}}', /constructor\.prototype/],
  ])('400 GUARD_INVALID_REQUEST for %s', async (_name, payload, message) => {
    await expectCoded(
      { method: 'POST', url: '/v1/escalations/guard-1/approve', headers: json, payload },
      400,
      'GUARD_INVALID_REQUEST',
      message,
    );
  });

  test('a JSON null never approves: it is refused before the decision, unlike an absent body', async () => {
    const nullBody = await api.app.inject({
      method: 'POST',
      url: '/v1/escalations/guard-1/approve',
      headers: json,
      payload: 'null',
    });
    expect(nullBody.statusCode).toBe(400);
    // An absent body is `{}` and goes on to Temporal, which this app cannot reach.
    const absent = await api.app.inject({ method: 'POST', url: '/v1/escalations/guard-1/approve', headers: auth });
    expect(absent.json().error.code).toBe('GUARD_TEMPORAL_UNAVAILABLE');
  });

  test('400 GUARD_INPUT_LIMIT for a body nested deeper than the limit, however deep', async () => {
    const nested = (depth: number) => `{"modifiedInput":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    const big = await apiWithoutTemporal(2_000_000);
    try {
      for (const depth of [MAX_BODY_DEPTH + 1, 100_000]) {
        const res = await big.app.inject({
          method: 'POST',
          url: '/v1/escalations/guard-1/approve',
          headers: json,
          payload: nested(depth),
        });
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toEqual({
          code: 'GUARD_INPUT_LIMIT',
          message: expect.stringContaining(`nested more than ${MAX_BODY_DEPTH} levels deep (limit input.maxDepth`),
        });
      }
      // Brackets inside strings do not count.
      const inString = await big.app.inject({
        method: 'POST',
        url: '/v1/escalations/guard-1/deny',
        headers: json,
        payload: JSON.stringify({ reason: '['.repeat(1000), extra: 1 }),
      });
      expect(inString.json().error.message).toMatch(/'extra' is not a field/);
    } finally {
      await big.close();
    }
  });

  test('400 GUARD_INPUT_LIMIT for an edited input over the input limits, naming the limit and where', async () => {
    const big = await apiWithoutTemporal(4_000_000);
    try {
      const res = await big.app.inject({
        method: 'POST',
        url: '/v1/escalations/guard-1/approve',
        headers: json,
        payload: JSON.stringify({ modifiedInput: { note: 'x'.repeat(1_048_577) } }),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toEqual({
        code: 'GUARD_INPUT_LIMIT',
        message: expect.stringMatching(
          /'modifiedInput' has a string of 1048577 characters .*at \/note; limit input\.maxStringLength/,
        ),
      });
    } finally {
      await big.close();
    }
  });

  test('413 over the body limit and 415 for another media type keep their codes', async () => {
    await expectCoded(
      {
        method: 'POST',
        url: '/v1/escalations/guard-1/deny',
        headers: json,
        payload: JSON.stringify({ reason: 'x'.repeat(2000) }),
      },
      413,
      'GUARD_PAYLOAD_TOO_LARGE',
    );
    await expectCoded(
      {
        method: 'POST',
        url: '/v1/escalations/guard-1/deny',
        headers: { ...auth, 'content-type': 'text/plain' },
        payload: 'no',
      },
      415,
      'GUARD_UNSUPPORTED_MEDIA_TYPE',
    );
  });
});

describe('query strings name the parameter and the expected format', () => {
  test.each([
    ['olderThan=99999999999999999d', /olderThan=99999999999999999d is out of range: .*at most 3650d/],
    ['newerThan=3651d', /newerThan=3651d is out of range/],
    ['olderThan=-1d', /olderThan must match pattern .*a duration like 10m, 2h or 7d/],
    ['olderThan=NaN', /olderThan must match pattern/],
    ['olderThan=1e400d', /olderThan must match pattern/],
    ['pageToken=AAAA', /pageToken=AAAA is not a nextPageToken of this listing/],
    ['pageToken=not%20base64!', /pageToken must match pattern .*nextPageToken of the previous page/],
    [`pageToken=${Buffer.from('0123456789garbage').toString('base64url')}`, /is not a nextPageToken of this listing/],
    ['pageSize=abc', /pageSize must match pattern .*an integer from 1 to 100/],
    ['tool=a&tool=b', /querystring\/tool must be string/],
  ])('%s', async (query, message) => {
    await expectCoded({ url: `/v1/escalations?${query}`, headers: auth }, 400, 'GUARD_INVALID_REQUEST', message);
  });
});

describe('request IDs and the log of a 500', () => {
  const LINK_SECRET = 'unit-link-secret-0123456789abcdef0123';

  async function loggedApi() {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        callback();
      },
    });
    const logged = await apiWithoutTemporal(undefined, {
      logger: { level: 'info', stream },
      links: createApprovalLinkSigner({ secret: LINK_SECRET, ttlMs: 60_000, usedLinks: new MemoryUsedLinkStore() }),
    });
    logged.app.get('/test/boom', async (request) => {
      request.log.info({ headers: request.headers }, 'headers as a careless route logs them');
      throw new Error('secret detail of the failure');
    });
    return { ...logged, lines };
  }

  test('every answer carries x-request-id; a well-formed incoming one is adopted, a malformed one replaced', async () => {
    const generated = await api.app.inject({ url: '/v1/me', headers: auth });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const adopted = await api.app.inject({ url: '/nope', headers: { 'x-request-id': 'trace-42:a/b' } });
    expect(adopted.headers['x-request-id']).toBe('trace-42:a/b');
    for (const bad of ['has spaces', 'x'.repeat(129), 'quote"d', '']) {
      const replaced = await api.app.inject({ url: '/nope', headers: { 'x-request-id': bad } });
      expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const badUrl = await api.app.inject({ url: '/v1/escalations/%E0%A4%A', headers: { 'x-request-id': 'bad-url-1' } });
    expect(badUrl.headers['x-request-id']).toBe('bad-url-1');
  });

  test('a 500 names its request ID, which its log line carries; tokens are not in the log', async () => {
    const logged = await loggedApi();
    try {
      const res = await logged.app.inject({ url: '/test/boom', headers: { ...auth, 'x-request-id': 'req-boom-1' } });
      expect(res.statusCode).toBe(500);
      expect(res.headers['x-request-id']).toBe('req-boom-1');
      expect(res.json()).toEqual({
        error: {
          code: 'GUARD_INTERNAL',
          message: 'unexpected error; see the API log for request req-boom-1',
          requestId: 'req-boom-1',
        },
      });
      expect(res.body).not.toContain('secret detail');
      const failure = logged.lines.find((line) => line.level === 50);
      expect(failure).toMatchObject({
        reqId: 'req-boom-1',
        code: 'GUARD_INTERNAL',
        err: { message: 'secret detail of the failure' },
      });
      const headers = logged.lines.find((line) => line.msg === 'headers as a careless route logs them');
      expect(headers).toMatchObject({ headers: { authorization: '[redacted]' } });

      const token = 'claims-part.signature-part-that-is-secret';
      await logged.app.inject({ url: `/v1/links/${token}` });
      const incoming = logged.lines.filter((line) =>
        (line.req as { url?: string } | undefined)?.url?.startsWith('/v1/links/'),
      );
      expect(incoming.length).toBeGreaterThan(0);
      for (const line of incoming) expect((line.req as { url: string }).url).toBe('/v1/links/[redacted]');
      const everything = JSON.stringify(logged.lines);
      expect(everything).not.toContain(ALICE_TOKEN);
      expect(everything).not.toContain('signature-part-that-is-secret');
    } finally {
      await logged.close();
    }
  });
});
