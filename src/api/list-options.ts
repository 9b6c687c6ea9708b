import { parseDuration } from '../policy/duration';
import type { ListEscalationsOptions } from './escalations';
import { ApiError } from './errors';
import { DEFAULT_PAGE_SIZE, MAX_LISTING_AGE_DAYS, MAX_PAGE_SIZE, type ListQuery } from './schemas';

const MAX_AGE_MS = MAX_LISTING_AGE_DAYS * 86_400_000;

/** Turns the validated query string of `GET /v1/escalations` into listing options. */
export function listOptions(query: ListQuery, taskQueue: string): ListEscalationsOptions {
  const pageSize = query.pageSize === undefined ? DEFAULT_PAGE_SIZE : Number(query.pageSize);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new ApiError(
      'GUARD_INVALID_REQUEST',
      `pageSize=${query.pageSize} is out of range: use an integer from 1 to ${MAX_PAGE_SIZE}`,
    );
  }
  const duration = (name: 'olderThan' | 'newerThan') => {
    const text = query[name];
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined) {
      throw new ApiError('GUARD_INVALID_REQUEST', `${name}=${text} is not a duration: use one like 10m, 2h or 7d`);
    }
    if (!Number.isFinite(ms) || ms > MAX_AGE_MS) {
      throw new ApiError(
        'GUARD_INVALID_REQUEST',
        `${name}=${text} is out of range: use a duration like 10m, 2h or 7d, at most ${MAX_LISTING_AGE_DAYS}d`,
      );
    }
    return ms;
  };
  const olderThanMs = duration('olderThan');
  const newerThanMs = duration('newerThan');
  return {
    taskQueue,
    pageSize,
    ...(query.tool !== undefined ? { tool: query.tool } : {}),
    ...(query.batch !== undefined ? { batch: query.batch } : {}),
    ...(olderThanMs !== undefined ? { olderThanMs } : {}),
    ...(newerThanMs !== undefined ? { newerThanMs } : {}),
    ...(query.pageToken !== undefined ? { pageToken: query.pageToken } : {}),
  };
}
