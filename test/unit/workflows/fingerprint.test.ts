import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { callFingerprint, canonicalJson, sha256Hex } from '../../../src/workflows/fingerprint';

describe('canonicalJson', () => {
  test.each([
    [
      'keys sorted at every depth',
      { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } },
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    ],
    ['no whitespace', { list: [1, 2], text: 'a b' }, '{"list":[1,2],"text":"a b"}'],
    ['undefined members dropped, undefined items null', { a: undefined, b: [undefined, 1] }, '{"b":[null,1]}'],
    ['non-finite numbers null, as JSON.stringify', { n: Number.NaN, i: Infinity }, '{"i":null,"n":null}'],
    ['unicode kept as is, controls escaped', { é: 'ü\u0000€😀' }, '{"é":"ü\\u0000€😀"}'],
    ['a lone surrogate escaped (well-formed JSON)', { s: '\ud800' }, '{"s":"\\ud800"}'],
    ['keys in UTF-16 code-unit order', { b: 1, B: 2, é: 3, '😀': 4, a: 5 }, '{"B":2,"a":5,"b":1,"é":3,"😀":4}'],
    ['scalars', 'x', '"x"'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  test('parses back to a value equal to the input (JSON values)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  test('is independent of key insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(record));
      }),
    );
  });
});

describe('callFingerprint', () => {
  const refund = { tool: 'process_refund', input: { amount: 10, currency: 'USD' } };

  test("covers the caller's tool schema when one is given, and only then", () => {
    const schema = { type: 'object', properties: { amount: { maximum: 100 } } };
    const withSchema = callFingerprint({ ...refund, toolSchema: schema });
    expect(withSchema).toBe(sha256Hex({ ...refund, toolSchema: schema }));
    expect(withSchema).not.toBe(callFingerprint(refund));
    expect(
      callFingerprint({ ...refund, toolSchema: { ...schema, properties: { amount: { maximum: 101 } } } }),
    ).not.toBe(withSchema);
    expect(callFingerprint({ ...refund, toolSchema: undefined })).toBe(callFingerprint(refund));
  });

  test('is the SHA-256 hex of the canonical call', () => {
    const expected = createHash('sha256')
      .update('{"input":{"amount":10,"currency":"USD"},"tool":"process_refund"}', 'utf8')
      .digest('hex');
    expect(callFingerprint(refund)).toBe(expected);
    expect(sha256Hex({ tool: refund.tool, input: refund.input })).toBe(expected);
  });

  test('equal calls have equal fingerprints whatever their key order', () => {
    expect(callFingerprint({ input: { currency: 'USD', amount: 10 }, tool: 'process_refund' })).toBe(
      callFingerprint(refund),
    );
    expect(callFingerprint({ ...refund, context: { user: 'u1', agent: 'a' } })).toBe(
      callFingerprint({ ...refund, context: { agent: 'a', user: 'u1' } }),
    );
  });

  test.each([
    ['another amount', { ...refund, input: { amount: 99_999, currency: 'USD' } }],
    ['another tool', { ...refund, tool: 'process_refund_v2' }],
    ['a context', { ...refund, context: { user: 'u1' } }],
    ['a number as a string', { ...refund, input: { amount: '10', currency: 'USD' } }],
    ['unicode that looks alike', { ...refund, input: { amount: 10, currency: 'UЅD' } }],
    ['an extra key', { ...refund, input: { amount: 10, currency: 'USD', note: '' } }],
  ])('differs for %s', (_name, other) => {
    expect(callFingerprint(other)).not.toBe(callFingerprint(refund));
  });

  test('distinct inputs never share a fingerprint (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), (a, b) => {
        fc.pre(canonicalJson(a) !== canonicalJson(b));
        expect(callFingerprint({ tool: 't', input: a })).not.toBe(callFingerprint({ tool: 't', input: b }));
      }),
    );
  });
});
