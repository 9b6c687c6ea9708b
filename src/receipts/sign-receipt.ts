/** Signing and verifying decision receipts (Ed25519 over the canonical JSON of the receipt without its signature). */
import { sign, verify } from 'node:crypto';
import { canonicalJson } from '../workflows/fingerprint';
import { inputHash, type Receipt, type ReceiptBody } from '../workflows/receipt';
import type { ReceiptKeyring } from './receipt-keys';

function signedBytes(body: ReceiptBody): Buffer {
  return Buffer.from(canonicalJson(body), 'utf8');
}

/** Signs a receipt body with the keyring's signing key. */
export function signReceipt(keyring: ReceiptKeyring, body: ReceiptBody): Receipt {
  if (!keyring.signing) throw new Error('no receipt signing key: set DURABLE_GUARD_RECEIPT_KEYS on the worker');
  const { id, key } = keyring.signing;
  const value = sign(null, signedBytes(body), key).toString('base64');
  return { ...body, signature: { alg: 'Ed25519', keyId: id, value } };
}

/** What verifying found: `problems` is empty when the receipt is valid (and matches the input, when given). */
export interface ReceiptCheck {
  signature: 'valid' | 'invalid' | 'unsigned' | 'unknown-key';
  input?: 'matches' | 'differs';
  problems: string[];
}

/** Checks a receipt's signature against the keyring and, when `input` is given, that it is the input it binds. */
export function verifyReceipt(
  keyring: ReceiptKeyring,
  receipt: Receipt,
  input?: Record<string, unknown>,
): ReceiptCheck {
  const problems: string[] = [];
  const { signature, ...body } = receipt;
  let state: ReceiptCheck['signature'];
  if (!signature) state = 'unsigned';
  else {
    const key = keyring.verifying.get(signature.keyId);
    if (!key) state = 'unknown-key';
    else {
      const ok =
        signature.alg === 'Ed25519' && verify(null, signedBytes(body), key, Buffer.from(signature.value, 'base64'));
      state = ok ? 'valid' : 'invalid';
    }
  }
  if (state === 'unsigned') problems.push('the receipt has no signature');
  if (state === 'unknown-key') {
    problems.push(
      `the receipt was signed with key '${signature?.keyId}', which is in neither DURABLE_GUARD_RECEIPT_KEYS nor ` +
        'DURABLE_GUARD_RECEIPT_PUBLIC_KEYS',
    );
  }
  if (state === 'invalid') problems.push('the signature does not match the receipt: it was changed after signing');
  let inputState: ReceiptCheck['input'];
  if (input !== undefined) {
    const actual = inputHash(input);
    inputState = actual === receipt.inputHash ? 'matches' : 'differs';
    if (inputState === 'differs') {
      problems.push(
        `the input hashes to ${actual}, the receipt binds ${receipt.inputHash}: it is not the approved input`,
      );
    }
  }
  return { signature: state, ...(inputState ? { input: inputState } : {}), problems };
}
