import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { createApprovalLinkSigner, MemoryUsedLinkStore } from '../../../src/approvals';
import { ALICE_TOKEN, apiWithoutTemporal } from './api-app';
import { contractProblem } from './contract';
import { bodyText, contentType, fillPath, method, queryString, routeTemplates, segment } from './hostile-requests';

let api: Awaited<ReturnType<typeof apiWithoutTemporal>>;
beforeAll(async () => {
  api = await apiWithoutTemporal(undefined, {
    links: createApprovalLinkSigner({
      secret: 'unit-link-secret-0123456789abcdef0123',
      ttlMs: 60_000,
      usedLinks: new MemoryUsedLinkStore(),
    }),
  });
});
afterAll(async () => api.close());

const routes = routeTemplates();
// Mostly authenticated: an unauthenticated request stops at 401, before the parsing worth testing.
const authorization = fc.oneof(
  { arbitrary: fc.constant(`Bearer ${ALICE_TOKEN}`), weight: 4 },
  { arbitrary: fc.constantFrom(undefined, 'Bearer not-a-token-0123456789', 'Basic x'), weight: 1 },
);

/**
 * The contract for a hostile request: a coded answer, never GUARD_INTERNAL. Without Temporal, a request that is
 * valid all the way to Temporal ends in 503 GUARD_TEMPORAL_UNAVAILABLE; nothing else may be 5xx.
 */
function expectContract(requestMethod: string, res: LightMyRequestResponse): void {
  const type = res.headers['content-type'] as string | undefined;
  const problem =
    requestMethod === 'HEAD'
      ? res.statusCode < 300 || String(type).includes('application/json')
        ? undefined
        : `HEAD ${res.statusCode} is ${type}`
      : contractProblem(res.statusCode, type, res.body);
  expect(problem).toBeUndefined();
  expect(res.statusCode).not.toBe(500);
  if (res.statusCode >= 500 && requestMethod !== 'HEAD')
    expect(res.json().error.code).toBe('GUARD_TEMPORAL_UNAVAILABLE');
  expect(res.headers['x-request-id']).toEqual(expect.any(String));
}

describe('hostile requests get a coded answer at every route, never a 500', () => {
  test('arbitrary JSON (and not-JSON) bodies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.array(segment, { minLength: 1, maxLength: 2 }),
        bodyText,
        contentType,
        authorization,
        async (route, segments, payload, type, auth) => {
          const res = await api.app.inject({
            method: route.method === 'GET' ? 'POST' : (route.method as 'POST'),
            url: fillPath(route.path, segments),
            headers: { ...(type ? { 'content-type': type } : {}), ...(auth ? { authorization: auth } : {}) },
            payload,
          });
          expectContract('POST', res);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('arbitrary query strings of the listings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/escalations', '/inbox/escalations'),
        queryString,
        authorization,
        async (path, query, auth) => {
          const res = await api.app.inject({ url: `${path}${query}`, headers: auth ? { authorization: auth } : {} });
          expectContract('GET', res);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('arbitrary methods, path segments and query strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(fc.constantFrom(...routes.map((r) => r.method)), method),
        fc.array(segment, { minLength: 1, maxLength: 2 }),
        queryString,
        authorization,
        async (route, requestMethod, segments, query, auth) => {
          const res = await api.app.inject({
            method: requestMethod as 'GET',
            url: `${fillPath(route.path, segments)}${query}`,
            headers: auth ? { authorization: auth } : {},
          });
          expectContract(requestMethod, res);
        },
      ),
      { numRuns: 400 },
    );
  });
});
