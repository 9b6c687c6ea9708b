/** fast-check arbitraries of hostile-but-well-formed HTTP requests, shared by the unit and integration properties. */
import fc from 'fast-check';
import { openApiDocument } from '../../../src/api';

/** Every route template the app serves: the documented ones and the inbox's own. */
export function routeTemplates(): { method: string; path: string }[] {
  const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
  const documented = Object.entries(paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })),
  );
  const inbox = ['/inbox', '/inbox.js', '/inbox-groups.js', '/inbox.css', '/inbox/escalations', '/inbox/groups'].map((path) => ({ method: 'GET', path }));
  return [...documented, ...inbox];
}

function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    // A lone surrogate: send its UTF-8-like bytes anyway, which the server must refuse cleanly.
    return '%ED%A0%80';
  }
}

const anyText = fc.string({ unit: 'binary', maxLength: 80 });

/** A path segment or query value: encoded text, broken percent-escapes, dots, long runs, plain names. */
export const segment = fc.oneof(
  anyText.map(encode),
  fc.constantFrom('%', '%ZZ', '%E0%A4%A', '%C0%AF', '..', '.', '%2F', '%00', '%2e%2e', '__proto__', 'constructor'),
  fc.integer({ min: 1, max: 9000 }).map((n) => 'a'.repeat(n)),
  fc.stringMatching(/^[A-Za-z0-9._:@-]{1,40}$/),
);

const queryKey = fc.oneof(
  { arbitrary: fc.constantFrom('tool', 'batch', 'olderThan', 'newerThan', 'pageSize', 'pageToken'), weight: 6 },
  { arbitrary: fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty'), weight: 1 },
  { arbitrary: anyText.map(encode), weight: 1 },
);
const queryValue = fc.oneof(
  { arbitrary: segment, weight: 2 },
  {
    arbitrary: fc.constantFrom(
      '99999999999999999d',
      '-1d',
      'NaN',
      '1e400d',
      '0ms',
      '3650d',
      '3651d',
      '0',
      '101',
      '1.5',
    ),
    weight: 2,
  },
  {
    arbitrary: fc
      .integer({ min: 0, max: 400 })
      .chain((n) => fc.constantFrom(`${'9'.repeat(n)}d`, `${'9'.repeat(n)}ms`, `1.${'0'.repeat(n)}1h`)),
    weight: 1,
  },
  {
    arbitrary: fc
      .base64String({ maxLength: 64 })
      .map((b) => b.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '')),
    weight: 2,
  },
);

/** A query string, `?` included (or empty). */
export const queryString = fc
  .array(fc.tuple(queryKey, queryValue), { maxLength: 4 })
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));

const keys = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'reason', 'modifiedInput', 'toString', 'hasOwnProperty', ''),
  anyText,
);

const nested = fc
  .record({ depth: fc.integer({ min: 1, max: 40_000 }), open: fc.constantFrom('[', '{"a":', '{"__proto__":') })
  .map(({ depth, open }) => `${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`);

const leaf: fc.Arbitrary<string> = fc.oneof(
  fc.json({ maxDepth: 3 }),
  nested,
  fc.integer({ min: 0, max: 70_000 }).map((n) => JSON.stringify('x'.repeat(n))),
  fc.integer({ min: 0, max: 20_000 }).map((n) => `[${Array.from({ length: n }, () => '0').join(',')}]`),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('{"constructor":{"prototype":{}}}', '{"__proto__":{"admin":true}}', 'null', '[]', '{}'),
);

/** An object written by hand, so `__proto__` keys stay keys. */
const objectText = fc
  .array(fc.tuple(keys, leaf), { maxLength: 5 })
  .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);

/** JSON bodies (and some that are not JSON): deep, wide, long strings, unicode, prototype keys. */
export const bodyText = fc.oneof(
  objectText,
  fc.record({ inner: objectText }).map(({ inner }) => `{"modifiedInput":${inner}}`),
  leaf,
  fc.string({ unit: 'binary', maxLength: 200 }),
);

export const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  undefined,
);

export const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');

/** A route's path with each `{param}` replaced by an arbitrary segment. */
export function fillPath(template: string, segments: string[]): string {
  let i = 0;
  return template.replace(/\{\w+\}/g, () => segments[i++ % segments.length] ?? 'x');
}
