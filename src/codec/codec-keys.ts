import { ConfigError } from '../config/config-error';

/** One AES-256 key and the id recorded in the metadata of every payload it encrypts. */
export interface CodecKey {
  id: string;
  /** 32 bytes. */
  key: Uint8Array;
}

/** The env variable holding the codec keys: `kid1:<base64 32 bytes>,kid2:<base64 32 bytes>`, first = active. */
export const CODEC_KEYS_ENV = 'DURABLE_GUARD_CODEC_KEYS';

const KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Checks a key list as the codec needs it: at least one key, unique ids, 32-byte keys; throws `ConfigError`. */
export function validateCodecKeys(keys: readonly CodecKey[], source = 'codec keys'): void {
  if (keys.length === 0) {
    throw new ConfigError(CODEC_KEYS_ENV, `${source}: no key given; generate one with \`openssl rand -base64 32\``);
  }
  const seen = new Set<string>();
  for (const { id, key } of keys) {
    if (!KEY_ID_PATTERN.test(id)) {
      throw new ConfigError(
        CODEC_KEYS_ENV,
        `${source}: key id '${id}' is invalid (use 1-64 characters of letters, digits, '.', '_' or '-')`,
      );
    }
    if (seen.has(id))
      throw new ConfigError(CODEC_KEYS_ENV, `${source}: duplicate key id '${id}' (each key needs its own id)`);
    seen.add(id);
    if (key.length !== KEY_BYTES) {
      throw new ConfigError(
        CODEC_KEYS_ENV,
        `${source}: key '${id}' is ${key.length} bytes, AES-256 needs exactly ${KEY_BYTES} (generate one with \`openssl rand -base64 32\`)`,
      );
    }
  }
}

/**
 * Reads the codec keys from `DURABLE_GUARD_CODEC_KEYS`: comma-separated `id:<base64 of 32 bytes>` entries, the
 * first one encrypts, all of them decrypt (rotation: put the new key first and keep the old ones until no stored
 * history needs them). Returns `undefined` when the variable is unset or empty (encryption off).
 */
export function loadCodecKeys(env: NodeJS.ProcessEnv = process.env): CodecKey[] | undefined {
  const raw = env[CODEC_KEYS_ENV]?.trim();
  if (!raw) return undefined;
  const keys = raw.split(',').map((entry, index): CodecKey => {
    const where = `${CODEC_KEYS_ENV} entry ${index + 1}`;
    const trimmed = entry.trim();
    const colon = trimmed.indexOf(':');
    if (colon <= 0) {
      throw new ConfigError(
        CODEC_KEYS_ENV,
        `${where}: expected 'id:<base64 key>', got ${trimmed ? 'no id' : 'an empty entry'}`,
      );
    }
    const id = trimmed.slice(0, colon).trim();
    const encoded = trimmed.slice(colon + 1).trim();
    if (!BASE64_PATTERN.test(encoded) || encoded.length === 0) {
      throw new ConfigError(
        CODEC_KEYS_ENV,
        `${where}: key '${id}' is not valid base64 (expected standard base64 of 32 bytes, e.g. from \`openssl rand -base64 32\`)`,
      );
    }
    return { id, key: Buffer.from(encoded, 'base64') };
  });
  validateCodecKeys(keys, CODEC_KEYS_ENV);
  return keys;
}
