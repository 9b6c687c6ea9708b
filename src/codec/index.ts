/** Payload encryption: an AES-256-GCM payload codec with key rotation, its keys from env, and a codec server. */
export { AesGcmCodec, ENCRYPTED_ENCODING, ENCRYPTION_KEY_ID_KEY, PayloadDecryptionError } from './aes-gcm-codec';
export { CODEC_KEYS_ENV, loadCodecKeys, validateCodecKeys } from './codec-keys';
export type { CodecKey } from './codec-keys';
export { startCodecServer } from './codec-server';
export { dataConverterFromEnv, encryptingDataConverter } from './data-converter';
export type { CodecServer, CodecServerOptions } from './codec-server';
export { PayloadJsonError, payloadsFromJson, payloadsToJson } from './payload-json';
export type { JsonPayload } from './payload-json';
