import { jsonNestsDeeperThan } from '../../../src/api/json-body';
import { listOptions } from '../../../src/api/list-options';
import { decodePageToken, encodePageToken } from '../../../src/api/page-token';
import { escalationQuery } from '../../../src/api';

describe('jsonNestsDeeperThan', () => {
  test.each([
    ['{}', 1, false],
    ['{"a":{}}', 1, true],
    ['[[[]]]', 3, false],
    ['[[[[]]]]', 3, true],
    ['{"a":"[[[[[[[["}', 1, false],
    ['{"a":"\\"[[[[["}', 1, false],
    ['{"a":"\\\\"}', 1, false],
    ['{"a":"\\\\",[[[]]]}', 3, true],
    ['"just a string"', 0, false],
  ])('%s deeper than %d: %s', (text, max, expected) => {
    expect(jsonNestsDeeperThan(text, max)).toBe(expected);
    if (!expected && max > 0) {
      try {
        // Where the text is JSON, the scan agrees with the parse.
        const depth = (v: unknown): number =>
          v && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as object).map(depth)) : 0;
        expect(depth(JSON.parse(text))).toBeLessThanOrEqual(max);
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw err;
      }
    }
  });

  test('stops at the first level too deep: a million brackets cost what 65 do', () => {
    const text = '['.repeat(1_000_000);
    expect(jsonNestsDeeperThan(text, 65)).toBe(true);
  });
});

describe('page tokens', () => {
  const filters = { taskQueue: 'q', tool: 'refund' };
  const temporal = Buffer.from('{"LastStartTime":"x"}');

  test('round-trip with the same filters', () => {
    expect(decodePageToken(filters, encodePageToken(filters, temporal))).toEqual(temporal);
  });

  test.each([
    ['other filters', encodePageToken({ taskQueue: 'q', tool: 'other' }, temporal)],
    ['a short token', 'AAAA'],
    ['base64 of garbage', Buffer.from('garbage-garbage-garbage').toString('base64url')],
    ['an edited token', encodePageToken(filters, temporal).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))],
  ])('%s is a coded 400 naming pageToken', (_name, token) => {
    expect(() => decodePageToken(filters, token)).toThrow(
      expect.objectContaining({ code: 'GUARD_INVALID_REQUEST', message: expect.stringContaining('pageToken=') }),
    );
  });
});

describe('listOptions and escalationQuery bound durations', () => {
  test.each([['99999999999999999d'], ['3651d'], ['1' + '0'.repeat(400) + 'ms']])('olderThan=%s is a 400', (text) => {
    expect(() => listOptions({ olderThan: text }, 'q')).toThrow(
      expect.objectContaining({ code: 'GUARD_INVALID_REQUEST', message: expect.stringContaining('at most 3650d') }),
    );
  });

  test('3650d is accepted and makes a valid query', () => {
    const options = listOptions({ olderThan: '3650d', newerThan: '0ms' }, 'q');
    expect(escalationQuery({ ...options, now: new Date('2026-01-01T00:00:00Z') })).toContain(
      "StartTime < '2016-01-04T00:00:00.000Z'",
    );
  });

  test('a library caller with an out-of-range age gets a RangeError naming it, not an invalid date', () => {
    expect(() => escalationQuery({ taskQueue: 'q', olderThanMs: Number.NaN })).toThrow(RangeError);
    expect(() => escalationQuery({ taskQueue: 'q', newerThanMs: 1e20 })).toThrow(/out of range/);
  });
});
