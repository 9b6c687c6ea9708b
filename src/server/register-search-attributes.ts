/** Registers our search attributes on an existing cluster (the dev server gets them from its flags). */
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { GUARD_SEARCH_ATTRIBUTES } from '../workflows/definitions';

const GRPC_ALREADY_EXISTS = 6;

const INDEXED_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * Adds the missing search attributes through the operator service and waits until all are visible.
 * Safe to run twice: ALREADY_EXISTS counts as success.
 * @returns the names that were added now.
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  timeoutMs = 30_000,
): Promise<string[]> {
  const listed = async () =>
    (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  const existing = await listed();
  const missing = GUARD_SEARCH_ATTRIBUTES.filter((key) => existing[key.name] === undefined);
  if (missing.length > 0) {
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map((key) => [key.name, INDEXED_TYPE[key.type] as temporal.api.enums.v1.IndexedValueType]),
        ),
      });
    } catch (err) {
      if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await listed();
    if (GUARD_SEARCH_ATTRIBUTES.every((key) => now[key.name] !== undefined)) return missing.map((key) => key.name);
    if (Date.now() > deadline)
      throw new Error(`search attributes not visible after ${timeoutMs} ms in namespace ${namespace}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
