/**
 * Page tokens of the escalation listing: Temporal's own token behind a check bound to the listing's filters, so a
 * token that is not ours (or belongs to other filters) is refused with a 400 before it reaches Temporal, which
 * answers garbage tokens with an UNKNOWN error indistinguishable from a failure of its own.
 */
import { createHash } from 'node:crypto';
import { ApiError } from './errors';

const CHECK_BYTES = 8;

/** The filters a token is bound to: the same ones must come with the next page. */
export interface PageFilters {
  taskQueue: string;
  tool?: string;
  batch?: string;
  olderThanMs?: number;
  newerThanMs?: number;
}

function check(filters: PageFilters, token: Uint8Array): Buffer {
  const { taskQueue, tool, batch, olderThanMs, newerThanMs } = filters;
  return createHash('sha256')
    .update(JSON.stringify([taskQueue, tool, batch, olderThanMs, newerThanMs]))
    .update(token)
    .digest()
    .subarray(0, CHECK_BYTES);
}

/** Temporal's `nextPageToken` as the listing hands it out. */
export function encodePageToken(filters: PageFilters, token: Uint8Array): string {
  return Buffer.concat([check(filters, token), token]).toString('base64url');
}

/** The message of a refused page token, naming the parameter and the fix. */
export function pageTokenRefused(token: string): string {
  const shown = token.length > 40 ? `${token.slice(0, 40)}...` : token;
  return (
    `pageToken=${shown} is not a nextPageToken of this listing: pass back the nextPageToken of the previous page ` +
    'unchanged, with the same tool, batch, olderThan and newerThan'
  );
}

/** Temporal's token back from one handed out with the same filters. @throws ApiError GUARD_INVALID_REQUEST */
export function decodePageToken(filters: PageFilters, pageToken: string): Buffer {
  const bytes = Buffer.from(pageToken, 'base64url');
  const token = bytes.subarray(CHECK_BYTES);
  if (bytes.length <= CHECK_BYTES || !check(filters, token).equals(bytes.subarray(0, CHECK_BYTES))) {
    throw new ApiError('GUARD_INVALID_REQUEST', pageTokenRefused(pageToken));
  }
  return token;
}
