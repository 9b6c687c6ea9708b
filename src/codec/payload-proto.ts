import type { Payload } from '@temporalio/common';

/*
 * The protobuf wire form of `temporal.api.common.v1.Payload` (field 1: map<string, bytes> metadata, field 2: bytes
 * data), written by hand so the codec encrypts exactly what Temporal's Go and Python encryption samples encrypt
 * without depending on the generated proto module. Unknown fields are skipped on read.
 */

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function lengthDelimited(fieldNumber: number, bytes: Uint8Array): Buffer[] {
  return [varint((fieldNumber << 3) | WIRE_LEN), varint(bytes.length), Buffer.from(bytes)];
}

/** Serialises the metadata and data of a payload to protobuf bytes. */
export function encodePayloadProto(payload: Payload): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    const entry = Buffer.concat([
      ...lengthDelimited(1, Buffer.from(key, 'utf8')),
      ...lengthDelimited(2, value ?? new Uint8Array()),
    ]);
    parts.push(...lengthDelimited(1, entry));
  }
  if (payload.data && payload.data.length > 0) parts.push(...lengthDelimited(2, payload.data));
  return Buffer.concat(parts);
}

class Reader {
  private offset = 0;
  constructor(private readonly bytes: Buffer) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.bytes[this.offset++];
      if (byte === undefined) throw new Error('truncated varint');
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new Error('varint longer than 10 bytes');
  }

  take(length: number): Buffer {
    if (this.offset + length > this.bytes.length) throw new Error('field runs past the end of the message');
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  skip(wireType: number): void {
    if (wireType === WIRE_VARINT) this.varint();
    else if (wireType === WIRE_I64) this.take(8);
    else if (wireType === WIRE_LEN) this.take(this.varint());
    else if (wireType === WIRE_I32) this.take(4);
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

function decodeMapEntry(bytes: Buffer): [string, Uint8Array] {
  const reader = new Reader(bytes);
  let key = '';
  let value: Uint8Array = new Uint8Array();
  while (!reader.done) {
    const tag = reader.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 1 && wireType === WIRE_LEN) key = reader.take(reader.varint()).toString('utf8');
    else if (field === 2 && wireType === WIRE_LEN) value = new Uint8Array(reader.take(reader.varint()));
    else reader.skip(wireType);
  }
  return [key, value];
}

/** Parses protobuf bytes back into a payload's metadata and data; throws on malformed input. */
export function decodePayloadProto(bytes: Uint8Array): Payload {
  const reader = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const metadata: Record<string, Uint8Array> = {};
  let data: Uint8Array = new Uint8Array();
  while (!reader.done) {
    const tag = reader.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 1 && wireType === WIRE_LEN) {
      const [key, value] = decodeMapEntry(reader.take(reader.varint()));
      metadata[key] = value;
    } else if (field === 2 && wireType === WIRE_LEN) {
      data = new Uint8Array(reader.take(reader.varint()));
    } else {
      reader.skip(wireType);
    }
  }
  return { metadata, data };
}
