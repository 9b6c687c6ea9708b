/**
 * Receipt signing keys from the environment, rotated like the codec keys: `DURABLE_GUARD_RECEIPT_KEYS` holds
 * `id:<base64 of a 32-byte Ed25519 seed>` entries, the first signs and all verify; retired keys can stay as public
 * keys only in `DURABLE_GUARD_RECEIPT_PUBLIC_KEYS` (`id:<base64 of the 32-byte public key>`), which is also all an
 * auditor who only verifies needs.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '../config/config-error';

export const RECEIPT_KEYS_ENV = 'DURABLE_GUARD_RECEIPT_KEYS';
export const RECEIPT_PUBLIC_KEYS_ENV = 'DURABLE_GUARD_RECEIPT_PUBLIC_KEYS';

const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// DER prefixes of PKCS#8 (private) and SPKI (public) Ed25519 keys around the raw 32 bytes (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The signing key and every key that verifies, by id. */
export interface ReceiptKeyring {
  signing?: { id: string; key: KeyObject };
  verifying: Map<string, KeyObject>;
}

function entries(env: NodeJS.ProcessEnv, name: string): { id: string; bytes: Buffer }[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  return raw.split(',').map((entry, index) => {
    const where = `${name} entry ${index + 1}`;
    const trimmed = entry.trim();
    const colon = trimmed.indexOf(':');
    if (colon <= 0) throw new ConfigError(name, `${where}: expected 'id:<base64 key>'`);
    const id = trimmed.slice(0, colon).trim();
    const encoded = trimmed.slice(colon + 1).trim();
    if (!KEY_ID_PATTERN.test(id)) {
      throw new ConfigError(name, `${where}: key id '${id}' is invalid (1-64 letters, digits, '.', '_' or '-')`);
    }
    const bytes = BASE64_PATTERN.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (bytes.length !== 32) {
      throw new ConfigError(
        name,
        `${where}: key '${id}' must be standard base64 of exactly 32 bytes (a seed from \`openssl rand -base64 32\`` +
          `, or for public keys \`durable-guard receipt public-key\`)`,
      );
    }
    return { id, bytes };
  });
}

/** The private key of a 32-byte Ed25519 seed. */
export function privateKeyOfSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The base64 raw public key of a private key (what `DURABLE_GUARD_RECEIPT_PUBLIC_KEYS` holds). */
export function rawPublicKey(key: KeyObject): string {
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return der.subarray(SPKI_PREFIX.length).toString('base64');
}

/**
 * Reads both variables. @returns undefined when neither is set (receipts off)
 * @throws ConfigError naming the entry, never the key
 */
export function loadReceiptKeys(env: NodeJS.ProcessEnv = process.env): ReceiptKeyring | undefined {
  const privates = entries(env, RECEIPT_KEYS_ENV);
  const publics = entries(env, RECEIPT_PUBLIC_KEYS_ENV);
  if (privates.length === 0 && publics.length === 0) return undefined;
  const verifying = new Map<string, KeyObject>();
  let signing: ReceiptKeyring['signing'];
  for (const { id, bytes } of privates) {
    if (verifying.has(id)) throw new ConfigError(RECEIPT_KEYS_ENV, `duplicate key id '${id}'`);
    const key = privateKeyOfSeed(bytes);
    signing ??= { id, key };
    verifying.set(id, createPublicKey(key));
  }
  for (const { id, bytes } of publics) {
    if (verifying.has(id)) throw new ConfigError(RECEIPT_PUBLIC_KEYS_ENV, `duplicate key id '${id}'`);
    verifying.set(id, createPublicKey({ key: Buffer.concat([SPKI_PREFIX, bytes]), format: 'der', type: 'spki' }));
  }
  return { ...(signing ? { signing } : {}), verifying };
}
