import { API_ERRORS, openApiDocument } from '../../../src/api';
import { ANY_ROUTE_ERRORS } from '../../../src/api/openapi';
import { apiWithoutTemporal } from './api-app';

type Doc = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refs(item, found));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') found.push(inner);
      else refs(inner, found);
    }
  }
  return found;
}

describe('/openapi.json', () => {
  test('is served and is the document', async () => {
    const api = await apiWithoutTemporal();
    try {
      const res = await api.app.inject({ url: '/openapi.json' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    } finally {
      await api.close();
    }
  });

  test('is OpenAPI 3.0 with resolvable references and error responses from the table', () => {
    const doc = openApiDocument() as unknown as Doc & { components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toMatch(/^3\.0\.\d$/);
    for (const ref of refs(doc)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas).toHaveProperty(ref.split('/').pop() as string);
    }
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(['get', 'post', 'delete']).toContain(method);
        expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
        const params =
          (operation as { parameters?: { in: string; name: string; required: boolean }[] }).parameters ?? [];
        for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
          expect(params).toContainEqual(expect.objectContaining({ in: 'path', name, required: true }));
        }
      }
    }
    expect(Object.keys(doc.paths['/v1/escalations/{id}/approve']!.post!.responses).sort()).toEqual(
      ['200', '400', '401', '403', '404', '409', '410', '413', '415', '422', '429', 'default'].sort(),
    );
  });

  test('the error codes are the table: the Error schema lists them all, every operation has the any-route ones', () => {
    const doc = openApiDocument() as unknown as Doc & {
      components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } };
    };
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual(Object.keys(API_ERRORS));
    for (const operations of Object.values(doc.paths)) {
      for (const operation of Object.values(operations)) {
        const described = JSON.stringify(operation.responses);
        for (const code of ANY_ROUTE_ERRORS) expect(described).toContain(`${code} (${API_ERRORS[code].status})`);
        for (const [status, response] of Object.entries(operation.responses)) {
          if (/^2\d\d$/.test(status) || status === 'default') continue;
          const described = (response as { description: string }).description;
          const codes = [...described.matchAll(/(?:^|; )(GUARD_[A-Z_]+):/g)].map((m) => m[1] as string);
          expect(codes.length).toBeGreaterThan(0);
          for (const code of codes) expect(API_ERRORS[code as keyof typeof API_ERRORS].status).toBe(Number(status));
        }
      }
    }
  });

  test('documents every route the app serves', async () => {
    const api = await apiWithoutTemporal();
    const routes: string[] = [];
    try {
      const doc = openApiDocument() as unknown as Doc;
      const documented = new Set(
        Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
      );
      // printRoutes draws a tree, four columns per level; a route's path is its ancestors' segments joined.
      const printed = api.app.printRoutes({ commonPrefix: false });
      const stack: string[] = [];
      for (const line of printed.split('\n')) {
        const match = /^([\s─└├│]*)(\S+) \(([A-Z, ]+)\)/.exec(line);
        if (!match) continue;
        const depth = match[1]!.length / 4;
        stack.length = depth;
        stack.push(match[2]!);
        for (const method of match[3]!.split(', ')) {
          if (method === 'HEAD') continue;
          routes.push(`${method} ${stack.join('').replace(/:(\w+)/g, '{$1}')}`);
        }
      }
      const internal = new Set([
        'GET /inbox',
        'GET /inbox.js',
        'GET /inbox-groups.js',
        'GET /inbox.css',
        'GET /inbox/escalations',
        'GET /inbox/groups',
        'GET /inbox-policies.js',
        'GET /inbox/policies/overview',
      ]);
      expect(routes.length).toBeGreaterThan(8);
      for (const route of routes.filter((r) => !internal.has(r))) expect(documented).toContain(route);
    } finally {
      await api.close();
    }
  });
});
