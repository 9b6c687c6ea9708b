/**
 * The fingerprint of a guarded call: SHA-256 (hex) of the canonical JSON of its tool, input, context and (when the
 * caller gives one) tool schema. Pure and
 * deterministic, so the workflow and every client compute the same value (`GuardFingerprint` search attribute).
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import type { CallContext } from './definitions';

/**
 * JSON with object keys sorted (UTF-16 code-unit order, as RFC 8785) and no whitespace; values JSON cannot hold
 * are written as `JSON.stringify` writes them (undefined members dropped, undefined items and non-finite numbers
 * as null), so two values that serialise to equal JSON have equal canonical forms.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined || typeof item === 'function' ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}

/** What a fingerprint covers: the call as the policy sees it, with the caller's tool schema, which it judges by. */
export interface FingerprintedCall {
  tool: string;
  input: Record<string, unknown>;
  context?: CallContext;
  toolSchema?: Record<string, unknown>;
}

/** SHA-256 hex of canonical JSON of any value. */
export function sha256Hex(value: unknown): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(value))));
}

/**
 * The call's fingerprint: equal for calls with equal tool, input, context and tool schema, whatever their key
 * order. A call without a schema has the fingerprint it had before schemas existed.
 */
export function callFingerprint({ tool, input, context, toolSchema }: FingerprintedCall): string {
  return sha256Hex({
    tool,
    input,
    ...(context !== undefined ? { context } : {}),
    ...(toolSchema !== undefined ? { toolSchema } : {}),
  });
}
