import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec } from './aes-gcm-codec';
import { loadCodecKeys, type CodecKey } from './codec-keys';

/**
 * A data converter that encrypts every payload with {@link AesGcmCodec}.
 * @param keys - the first encrypts, all decrypt
 * @returns the `dataConverter` option for a client or worker
 */
export function encryptingDataConverter(keys: readonly CodecKey[]): DataConverter {
  return { payloadCodecs: [new AesGcmCodec(keys)] };
}

/**
 * The data converter for clients and workers: encrypting when `DURABLE_GUARD_CODEC_KEYS` is set, otherwise
 * `undefined` (the SDK's plain JSON).
 * @throws ConfigError when the keys are malformed.
 */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const keys = loadCodecKeys(env);
  return keys ? encryptingDataConverter(keys) : undefined;
}
