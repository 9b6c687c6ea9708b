import type { Payload } from '@temporalio/common';

/** A payload in proto JSON form, as the Temporal Web UI and CLI send it to a codec server: bytes as base64. */
export interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

/** A codec-server request body that does not have the `{ payloads: [...] }` shape. */
export class PayloadJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadJsonError';
  }
}

const BASE64_PATTERN = /^[A-Za-z0-9+/_-]*={0,2}$/;

function bytesFromBase64(value: unknown, where: string): Buffer {
  if (typeof value !== 'string' || !BASE64_PATTERN.test(value)) {
    throw new PayloadJsonError(`${where} must be a base64 string`);
  }
  return Buffer.from(value, 'base64');
}

/** Converts proto JSON payloads (`{ payloads: [...] }`) to payloads, naming the first malformed field. */
export function payloadsFromJson(body: unknown): Payload[] {
  const list = (body as { payloads?: unknown } | null)?.payloads;
  if (typeof body !== 'object' || body === null || !Array.isArray(list)) {
    throw new PayloadJsonError('request body must be a JSON object with a "payloads" array');
  }
  return list.map((item: unknown, index): Payload => {
    if (typeof item !== 'object' || item === null) throw new PayloadJsonError(`payloads[${index}] must be an object`);
    const { metadata, data } = item as Record<string, unknown>;
    if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
      throw new PayloadJsonError(`payloads[${index}].metadata must be an object of base64 strings`);
    }
    const decodedMetadata: Record<string, Uint8Array> = {};
    for (const [key, value] of Object.entries((metadata ?? {}) as Record<string, unknown>)) {
      decodedMetadata[key] = bytesFromBase64(value, `payloads[${index}].metadata.${key}`);
    }
    const decodedData =
      data === undefined || data === null ? new Uint8Array() : bytesFromBase64(data, `payloads[${index}].data`);
    return { metadata: decodedMetadata, data: decodedData };
  });
}

/** Converts payloads to the proto JSON form (`{ payloads: [...] }`) with standard base64. */
export function payloadsToJson(payloads: Payload[]): { payloads: JsonPayload[] } {
  return {
    payloads: payloads.map((payload) => ({
      metadata: Object.fromEntries(
        Object.entries(payload.metadata ?? {}).map(([key, value]) => [
          key,
          Buffer.from(value ?? []).toString('base64'),
        ]),
      ),
      data: Buffer.from(payload.data ?? []).toString('base64'),
    })),
  };
}
