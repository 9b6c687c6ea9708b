import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { validateCodecKeys } from './codec-keys';
import type { CodecKey } from './codec-keys';
import { decodePayloadProto, encodePayloadProto } from './payload-proto';

/** `encoding` metadata of an encrypted payload (the name Temporal's encryption samples use). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key that encrypted a payload. */
export const ENCRYPTION_KEY_ID_KEY = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload that cannot be decrypted: unknown key, tampered or truncated data. */
export class PayloadDecryptionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PayloadDecryptionError';
  }
}

function text(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes ? Buffer.from(bytes).toString('utf8') : undefined;
}

/**
 * Encrypts whole payloads (metadata and data) with AES-256-GCM and a random 12-byte IV per payload. Encrypted data
 * is `iv || ciphertext || tag`; the outer metadata names the encoding and the key id. The first key encrypts, every
 * key decrypts, so keys rotate by putting a new one first. Payloads that are not encrypted pass through `decode`.
 */
export class AesGcmCodec implements PayloadCodec {
  readonly activeKeyId: string;
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(keys: readonly CodecKey[]) {
    validateCodecKeys(keys);
    this.keys = new Map(keys.map(({ id, key }) => [id, Buffer.from(key)]));
    this.activeKeyId = (keys[0] as CodecKey).id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.activeKeyId) as Buffer;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, key, iv);
      const ciphertext = Buffer.concat([cipher.update(encodePayloadProto(payload)), cipher.final()]);
      const encrypted: Payload = {
        metadata: {
          [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
          [ENCRYPTION_KEY_ID_KEY]: Buffer.from(this.activeKeyId),
        },
        data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
      };
      if (payload.externalPayloads?.length) encrypted.externalPayloads = payload.externalPayloads;
      return encrypted;
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  private decodeOne(payload: Payload): Payload {
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[ENCRYPTION_KEY_ID_KEY]);
    if (!keyId) {
      throw new PayloadDecryptionError(
        `encrypted payload has no '${ENCRYPTION_KEY_ID_KEY}' metadata; it was not written by this codec`,
      );
    }
    const key = this.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `payload was encrypted with key id '${keyId}', which is not configured (known: ${[...this.keys.keys()].join(', ')}); add it to DURABLE_GUARD_CODEC_KEYS`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(`encrypted payload (key '${keyId}') is ${data.length} bytes: truncated`);
    }
    const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch (cause) {
      throw new PayloadDecryptionError(
        `encrypted payload failed authentication with key '${keyId}': the data was altered or the key under that id changed`,
        { cause },
      );
    }
    const decoded = decodePayloadProto(plaintext);
    if (payload.externalPayloads?.length) decoded.externalPayloads = payload.externalPayloads;
    return decoded;
  }
}
