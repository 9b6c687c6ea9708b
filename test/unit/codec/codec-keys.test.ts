import { randomBytes } from 'node:crypto';
import { loadCodecKeys } from '../../../src/codec';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64');

describe('loadCodecKeys', () => {
  test('returns undefined when encryption is not configured', () => {
    expect(loadCodecKeys({})).toBeUndefined();
    expect(loadCodecKeys({ DURABLE_GUARD_CODEC_KEYS: '  ' })).toBeUndefined();
  });

  test('parses keys in order, first is active, whitespace tolerated', () => {
    const k1 = b64(32);
    const k2 = b64(32);
    const keys = loadCodecKeys({ DURABLE_GUARD_CODEC_KEYS: ` new:${k1} , old:${k2}` });
    expect(keys?.map((key) => key.id)).toEqual(['new', 'old']);
    expect(Buffer.from(keys?.[0]?.key ?? []).toString('base64')).toBe(k1);
    expect(Buffer.from(keys?.[1]?.key ?? []).toString('base64')).toBe(k2);
  });

  test.each([
    ['wrong length', `k1:${b64(16)}`, /DURABLE_GUARD_CODEC_KEYS: key 'k1' is 16 bytes, AES-256 needs exactly 32/],
    ['bad base64', 'k1:not*base64!', /entry 1: key 'k1' is not valid base64/],
    ['empty key', 'k1:', /entry 1: key 'k1' is not valid base64/],
    ['duplicate id', `a:${b64(32)},a:${b64(32)}`, /duplicate key id 'a'/],
    ['missing id', `:${b64(32)}`, /entry 1: expected 'id:<base64 key>', got no id/],
    ['empty entry', `a:${b64(32)},`, /entry 2: expected 'id:<base64 key>', got an empty entry/],
    ['invalid id', `a b:${b64(32)}`, /key id 'a b' is invalid/],
  ])('%s is refused with a message naming it', (_name, value, message) => {
    expect(() => loadCodecKeys({ DURABLE_GUARD_CODEC_KEYS: value })).toThrow(message);
    expect(() => loadCodecKeys({ DURABLE_GUARD_CODEC_KEYS: value })).toThrow(
      expect.objectContaining({ name: 'ConfigError', variable: 'DURABLE_GUARD_CODEC_KEYS' }),
    );
  });
});
