/** A recorded payload decoded with the client's data converter; an encrypted one that fails names its key id. */
import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import { CODEC_KEYS_ENV, ENCRYPTION_KEY_ID_KEY } from '../codec';

export type Payloads = temporal.api.common.v1.IPayload[] | null | undefined;

function keyIdOf(payloads: Payloads): string | undefined {
  const id = payloads?.[0]?.metadata?.[ENCRYPTION_KEY_ID_KEY];
  return id ? Buffer.from(id).toString('utf8') : undefined;
}

/** Decodes the first payload; a failure on an encrypted one names its key id and where keys are set. */
export async function decodeFirst<T>(client: Client, payloads: Payloads, what: string): Promise<T | undefined> {
  try {
    return await decodeFromPayloadsAtIndex<T>(client.options.loadedDataConverter, 0, payloads);
  } catch (err) {
    const keyId = keyIdOf(payloads);
    if (keyId === undefined) throw err;
    throw new Error(
      `cannot decode the ${what}: it is encrypted with codec key id '${keyId}'; set ${CODEC_KEYS_ENV} with that key ` +
        `(${(err as Error).message})`,
      { cause: err },
    );
  }
}
