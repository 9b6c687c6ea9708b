/** Reading a receipt from a file or from a guarded call, with the input it should bind. */
import { readFileSync, statSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { startedCall } from '../approvals/started-call';
import { statusQuery, type GuardResult } from '../workflows/definitions';
import type { Receipt } from '../workflows/receipt';

/** Largest receipt file read: a receipt is a few KB; anything this large is not one. */
export const MAX_RECEIPT_FILE_BYTES = 1024 * 1024;

const vote = z.object({ by: z.string(), groups: z.array(z.string()), at: z.string(), reason: z.string().optional() });
const receiptSchema = z.object({
  version: z.literal(1),
  escalationId: z.string(),
  tool: z.string(),
  inputHash: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits'),
  policyVersion: z.string().optional(),
  rules: z.array(z.string()),
  decision: z.object({ action: z.string(), kind: z.string(), at: z.string(), reason: z.string().optional() }),
  approvers: z.array(vote),
  ladderSteps: z.array(z.record(z.string(), z.unknown())),
  signature: z.object({ alg: z.literal('Ed25519'), keyId: z.string(), value: z.string() }).optional(),
});
const inputSchema = z.record(z.string(), z.unknown());

/** A receipt and, when known, the input it should bind. */
export interface ReceiptToCheck {
  receipt: Receipt;
  input?: Record<string, unknown>;
}

/**
 * Reads a file holding a receipt, `{ receipt, input? }` (what `audit export` writes per line) or a result with a
 * `receipt` (what `durable-guard check` prints). @throws Error naming the file and the problem
 */
export function readReceiptFile(file: string): ReceiptToCheck {
  const size = statSync(file).size;
  if (size > MAX_RECEIPT_FILE_BYTES)
    throw new Error(`${file}: ${size} bytes is too large for a receipt (at most 1 MiB)`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not JSON: ${(err as Error).message}`, { cause: err });
  }
  const wrapped = value as { receipt?: unknown; input?: unknown };
  const candidate = typeof wrapped === 'object' && wrapped !== null && 'receipt' in wrapped ? wrapped.receipt : value;
  const parsed = receiptSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: not a receipt: ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`);
  }
  const input = 'receipt' in (wrapped ?? {}) ? inputSchema.safeParse(wrapped.input) : undefined;
  return { receipt: parsed.data as Receipt, ...(input?.success ? { input: input.data } : {}) };
}

/**
 * The receipt of a guarded call and the input it ran (or would run): the approved edit, else the started input.
 * @returns undefined when the call has no receipt (still pending, or its worker has no receipt keys)
 */
export async function receiptOfCall(client: Client, id: string): Promise<ReceiptToCheck | undefined> {
  const handle = client.workflow.getHandle(id);
  const description = await handle.describe();
  const result: GuardResult | undefined =
    description.status.name === 'RUNNING'
      ? (await handle.query(statusQuery)).result
      : await handle.result().catch(() => undefined);
  if (!result?.receipt) return undefined;
  const started = await startedCall(client, id);
  const input = result.modifiedInput ?? started?.call.input;
  return { receipt: result.receipt, ...(input ? { input } : {}) };
}
