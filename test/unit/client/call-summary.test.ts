import { callDetails, callSummary, inputExcerpt, SUMMARY_SCAN_CHARS } from '../../../src/client/call-summary';

const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

test.each([
  ['the first two scalar fields', { amount: 4200, currency: 'EUR', note: 'x' }, 'amount=4200, currency="EUR"'],
  ['objects and arrays are skipped', { order: { id: 1 }, items: [1], approved: true }, 'approved=true'],
  ['a detected email is redacted', { to: 'bob@example.com', subject: 'hi' }, 'to=[redacted], subject="hi"'],
  ['a detected token is redacted', { header: 'Bearer 9fKq2LmX7vR4tZ8wB1nY5cJ3' }, 'header=[redacted]'],
  ['a JWT is redacted', { note: jwt }, 'note=[redacted]'],
  [
    'a credential-named field is redacted whatever it holds',
    { password: 'hunter2', api_key: 'abc' },
    'password=[redacted], api_key=[redacted]',
  ],
  ['long strings are cut', { query: 'x'.repeat(100) }, `query="${'x'.repeat(31)}…"`],
  ['newlines are flattened', { cmd: 'ls\n  -la' }, 'cmd="ls -la"'],
  ['no scalar fields', { nested: { a: 1 } }, ''],
])('inputExcerpt: %s', (_name, input, expected) => {
  expect(inputExcerpt(input)).toBe(expected);
});

test('the static summary is tool · mode · excerpt', () => {
  expect(callSummary('process_refund', { amount: 4200 }, false)).toBe('process_refund · check · amount=4200');
  expect(callSummary('send_email', {}, true)).toBe('send_email · execute');
});

test('the static details name the fields and the caller but carry no secret', () => {
  const details = callDetails('send_email', { to: 'bob@example.com', token: jwt, body: 'hello' }, true, {
    agent: 'support-bot',
    batch: 'b-1',
  });
  expect(details).toContain('`send_email`');
  expect(details).toContain('agent `support-bot`, batch `b-1`');
  expect(details).toContain('`to`, `token`, `body`');
  expect(details).not.toContain('bob@example.com');
  expect(details).not.toContain(jwt);
});

describe('call summary of hostile input', () => {
  test.each([
    ['a secret at the start of a 1 MB value', `AKIAIOSFODNN7EXAMPLE ${'x'.repeat(1 << 20)}`, 'k=[redacted]'],
    ['an email at the start of a 1 MB adversarial value', `jane@example.org ${'a@'.repeat(1 << 19)}`, 'k=[redacted]'],
    ['a 1 MB value of repeated JWT prefixes', 'eyJ-'.repeat(1 << 18), `k="${'eyJ-'.repeat(8).slice(0, 31)}…"`],
  ])('%s is summarised from a bounded prefix', (_, value, expected) => {
    expect(inputExcerpt({ k: value })).toBe(expected);
  });

  test('a secret past the scanned prefix is not in the excerpt either', () => {
    const value = `${'x'.repeat(SUMMARY_SCAN_CHARS)} AKIAIOSFODNN7EXAMPLE`;
    expect(inputExcerpt({ k: value })).toBe(`k="${'x'.repeat(31)}…"`);
  });

  test('a long key is cut like a value', () => {
    expect(inputExcerpt({ ['k'.repeat(100)]: 1 })).toBe(`${'k'.repeat(31)}…=1`);
  });
});
