import { ALICE_TOKEN, apiWithoutTemporal } from './api-app';

let api: Awaited<ReturnType<typeof apiWithoutTemporal>>;
beforeAll(async () => {
  api = await apiWithoutTemporal(1024);
});
afterAll(async () => api.close());

const auth = { authorization: `Bearer ${ALICE_TOKEN}` };

describe('authentication (401 before anything reaches Temporal)', () => {
  test.each([
    ['GET', '/v1/escalations'],
    ['GET', '/v1/escalations/guard-1'],
    ['POST', '/v1/escalations/guard-1/approve'],
    ['POST', '/v1/escalations/guard-1/deny'],
    ['POST', '/v1/escalations/guard-1/links'],
    ['GET', '/v1/me'],
    ['GET', '/inbox/escalations'],
  ] as const)('%s %s without a token', async (method, url) => {
    const res = await api.app.inject({ method, url });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json()).toEqual({
      error: { code: 'GUARD_UNAUTHORIZED', message: expect.stringContaining('Authorization: Bearer') },
    });
  });

  test('an unknown token is refused the same way', async () => {
    const res = await api.app.inject({ url: '/v1/me', headers: { authorization: 'Bearer not-a-known-token-xxxx' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toContain('not a known approver token');
  });

  test('a known token says who it is', async () => {
    const res = await api.app.inject({ url: '/v1/me', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'alice', groups: ['finance'] });
  });
});

describe('body and query schemas (400)', () => {
  test.each([
    ['approve with an unknown field', '/approve', { reason: 'ok', extra: 1 }, /must NOT have additional properties/],
    ['approve with a non-object modifiedInput', '/approve', { modifiedInput: [1] }, /modifiedInput must be object/],
    ['approve with a numeric reason (no coercion)', '/approve', { reason: 5 }, /reason must be string/],
    ['deny without a reason', '/deny', {}, /must have required property 'reason'/],
    ['deny with an empty reason', '/deny', { reason: '' }, /reason must NOT have fewer than 1 characters/],
    ['deny with an unknown field', '/deny', { reason: 'no', by: 'mallory' }, /must NOT have additional properties/],
    ['links with a body field', '/links', { ttl: '1h' }, /must NOT have additional properties/],
  ])('%s', async (_name, suffix, payload, message) => {
    const res = await api.app.inject({
      method: 'POST',
      url: `/v1/escalations/guard-1${suffix}`,
      headers: auth,
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('GUARD_INVALID_REQUEST');
    expect(res.json().error.message).toMatch(message);
  });

  test('malformed JSON is 400 with the coded body', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/escalations/guard-1/deny',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"reason":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('GUARD_INVALID_REQUEST');
  });

  test.each([
    ['tool=a%27%20OR%201%3D1', /tool must match pattern/],
    ['olderThan=ten', /olderThan must match pattern/],
    ['pageSize=500', /pageSize=500 is out of range/],
    ['pageSize=0', /pageSize=0 is out of range/],
    ['colour=red', /must NOT have additional properties/],
  ])('listing with %s', async (query, message) => {
    const res = await api.app.inject({ url: `/v1/escalations?${query}`, headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'GUARD_INVALID_REQUEST', message: expect.stringMatching(message) });
  });
});

describe('limits and unknown routes', () => {
  test('a body over the limit is 413', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/escalations/guard-1/approve',
      headers: auth,
      payload: { modifiedInput: { note: 'x'.repeat(2000) } },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('GUARD_PAYLOAD_TOO_LARGE');
  });

  test('an XML body is 415', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/escalations/guard-1/deny',
      headers: { ...auth, 'content-type': 'application/xml' },
      payload: '<no/>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('GUARD_UNSUPPORTED_MEDIA_TYPE');
  });

  test('an unknown route is a coded 404', async () => {
    const res = await api.app.inject({ url: '/v2/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('GUARD_ROUTE_NOT_FOUND');
  });

  test('minting links without a configured secret says which variable to set', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/escalations/guard-1/links', headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({
      code: 'GUARD_LINKS_DISABLED',
      message: expect.stringContaining('DURABLE_GUARD_LINK_SECRET'),
    });
  });

  test('GET of a link without links configured: an HTML page for a browser, else the coded error', async () => {
    const res = await api.app.inject({ url: '/v1/links/abc.def', headers: { accept: 'text/html,*/*' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('DURABLE_GUARD_LINK_SECRET');
    const json = await api.app.inject({ url: '/v1/links/abc.def' });
    expect(json.statusCode).toBe(404);
    expect(json.json().error).toMatchObject({
      code: 'GUARD_LINKS_DISABLED',
      message: expect.stringContaining('DURABLE_GUARD_LINK_SECRET'),
    });
  });

  test('healthz says 503 when Temporal does not answer', async () => {
    const res = await api.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('GUARD_TEMPORAL_UNAVAILABLE');
  });
});
