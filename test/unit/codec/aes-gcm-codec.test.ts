import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { AesGcmCodec, ENCRYPTED_ENCODING, ENCRYPTION_KEY_ID_KEY, PayloadDecryptionError } from '../../../src/codec';
import { decodePayloadProto, encodePayloadProto } from '../../../src/codec/payload-proto';

const key = (id: string) => ({ id, key: randomBytes(32) });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const toPayload = (value: unknown) => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload | undefined) => defaultPayloadConverter.fromPayload(payload as Payload);

describe('AesGcmCodec', () => {
  test('round trip restores value, encoding metadata and hides the plaintext', async () => {
    const codec = new AesGcmCodec([key('k1')]);
    const input = [toPayload({ amount: 4200, card: '4111 1111 1111 1111' }), toPayload(undefined), toPayload('')];
    const encoded = await codec.encode(input);

    expect(encoded).toHaveLength(3);
    for (const payload of encoded) {
      expect(text(payload.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata?.[ENCRYPTION_KEY_ID_KEY])).toBe('k1');
      expect(Object.keys(payload.metadata ?? {}).sort()).toEqual(['encoding', ENCRYPTION_KEY_ID_KEY]);
    }
    expect(text(encoded[0]?.data)).not.toContain('4111');
    const decoded = await codec.decode(encoded);
    expect(decoded.map((payload) => text(payload.metadata?.encoding))).toEqual([
      'json/plain',
      'binary/null',
      'json/plain',
    ]);
    expect(fromPayload(decoded[0])).toEqual({ amount: 4200, card: '4111 1111 1111 1111' });
    expect(fromPayload(decoded[1])).toBeUndefined();
    expect(fromPayload(decoded[2])).toBe('');
  });

  test('uses a fresh IV per payload: the same value encrypts differently', async () => {
    const codec = new AesGcmCodec([key('k1')]);
    const [a, b] = await codec.encode([toPayload('same'), toPayload('same')]);
    expect(
      Buffer.from(a?.data ?? [])
        .subarray(0, 12)
        .equals(Buffer.from(b?.data ?? []).subarray(0, 12)),
    ).toBe(false);
    expect(Buffer.from(a?.data ?? []).equals(Buffer.from(b?.data ?? []))).toBe(false);
  });

  test('rotation: the new key encrypts, payloads from the old key still decrypt', async () => {
    const oldKey = key('2024-01');
    const newKey = key('2025-06');
    const before = await new AesGcmCodec([oldKey]).encode([toPayload({ v: 'old' })]);
    const rotated = new AesGcmCodec([newKey, oldKey]);

    const after = await rotated.encode([toPayload({ v: 'new' })]);
    expect(text(after[0]?.metadata?.[ENCRYPTION_KEY_ID_KEY])).toBe('2025-06');
    expect(rotated.activeKeyId).toBe('2025-06');
    const decoded = await rotated.decode([...before, ...after]);
    expect(decoded.map(fromPayload)).toEqual([{ v: 'old' }, { v: 'new' }]);
  });

  test('payloads that are not encrypted pass through decode unchanged', async () => {
    const codec = new AesGcmCodec([key('k1')]);
    const plain = toPayload({ hello: 'world' });
    const [decoded] = await codec.decode([plain]);
    expect(decoded).toBe(plain);
  });

  test.each([
    ['a flipped ciphertext byte', 20],
    ['a flipped IV byte', 0],
    ['a flipped tag byte', -1],
  ])('tampering with %s fails authentication', async (_name, index) => {
    const codec = new AesGcmCodec([key('k1')]);
    const [encoded] = await codec.encode([toPayload({ amount: 4200, note: 'long enough to have byte 20' })]);
    const data = Buffer.from(encoded?.data ?? []);
    const at = index < 0 ? data.length + index : index;
    data[at] = (data[at] as number) ^ 0x01;
    await expect(codec.decode([{ ...encoded, data }])).rejects.toThrow(
      /failed authentication with key 'k1': the data was altered/,
    );
  });

  test('a key with the right id but different bytes is detected as tampering', async () => {
    const [encoded] = await new AesGcmCodec([key('k1')]).encode([toPayload(1)]);
    await expect(new AesGcmCodec([key('k1')]).decode([encoded as Payload])).rejects.toThrow(PayloadDecryptionError);
  });

  test('unknown key id: the error names the id and the known ids', async () => {
    const [encoded] = await new AesGcmCodec([key('retired')]).encode([toPayload(1)]);
    await expect(new AesGcmCodec([key('k2'), key('k3')]).decode([encoded as Payload])).rejects.toThrow(
      "payload was encrypted with key id 'retired', which is not configured (known: k2, k3); add it to DURABLE_GUARD_CODEC_KEYS",
    );
  });

  test('truncated data and a missing key id are refused with a reason', async () => {
    const codec = new AesGcmCodec([key('k1')]);
    const metadata = { encoding: Buffer.from(ENCRYPTED_ENCODING), [ENCRYPTION_KEY_ID_KEY]: Buffer.from('k1') };
    await expect(codec.decode([{ metadata, data: Buffer.alloc(10) }])).rejects.toThrow(/10 bytes: truncated/);
    await expect(
      codec.decode([{ metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING) }, data: Buffer.alloc(40) }]),
    ).rejects.toThrow(/no 'encryption-key-id' metadata/);
  });

  test('refuses invalid key sets at construction', () => {
    expect(() => new AesGcmCodec([])).toThrow(/no key given/);
    expect(() => new AesGcmCodec([{ id: 'k', key: randomBytes(16) }])).toThrow(/key 'k' is 16 bytes/);
    expect(() => new AesGcmCodec([key('a'), key('a')])).toThrow(/duplicate key id 'a'/);
  });
});

describe('payload protobuf form', () => {
  const samples: Payload[] = [
    { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"a":1}') },
    { metadata: { encoding: Buffer.from('binary/null') }, data: new Uint8Array() },
    { metadata: { encoding: Buffer.from('binary/plain'), 'x-big': Buffer.alloc(300, 7) }, data: randomBytes(70000) },
    { metadata: {}, data: new Uint8Array() },
  ];

  test.each(samples.map((sample, index) => [index, sample] as const))(
    'sample %i encodes byte-for-byte like @temporalio/proto and decodes back',
    (_index, sample) => {
      const ours = encodePayloadProto(sample);
      const reference = temporal.api.common.v1.Payload.encode(sample).finish();
      expect(Buffer.from(ours).equals(Buffer.from(reference))).toBe(true);
      const back = decodePayloadProto(ours);
      expect(Buffer.from(back.data ?? []).equals(Buffer.from(sample.data ?? []))).toBe(true);
      expect(Object.keys(back.metadata ?? {})).toEqual(Object.keys(sample.metadata ?? {}));
    },
  );

  test('skips unknown fields of every wire type written by a newer proto', () => {
    const known = temporal.api.common.v1.Payload.encode({
      metadata: { encoding: Buffer.from('json/plain') },
      data: Buffer.from('1'),
    }).finish();
    const unknown = Buffer.from([
      ...[0x1a, 0x02, 0x08, 0x7b], // field 3 (external payloads), length-delimited
      ...[0x38, 0x96, 0x01], // field 7, varint
      ...[0x49, 1, 2, 3, 4, 5, 6, 7, 8], // field 9, fixed64
      ...[0x55, 1, 2, 3, 4], // field 10, fixed32
    ]);
    const back = decodePayloadProto(Buffer.concat([known, unknown]));
    expect(text(back.data)).toBe('1');
    expect(text(back.metadata?.encoding)).toBe('json/plain');
  });

  test('refuses truncated protobuf bytes', () => {
    const bytes = encodePayloadProto(samples[0] as Payload);
    expect(() => decodePayloadProto(bytes.subarray(0, bytes.length - 2))).toThrow(/past the end/);
  });
});
