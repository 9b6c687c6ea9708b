/**
 * JSON schemas of the API's requests, used by fastify to validate (unknown fields are rejected) and by
 * the OpenAPI document, so the two cannot drift.
 */

const NAME = '^[A-Za-z0-9._:/@-]+$';
const DURATION = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';

/** The most escalations one page lists. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_REASON_LENGTH = 2000;
/** The oldest `olderThan` / `newerThan` accepted: ten years, far inside what a Date can hold. */
export const MAX_LISTING_AGE_DAYS = 3650;

export const escalationParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 1000, description: 'escalation ID (workflow ID)' } },
} as const;

export const linkParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 4096, description: 'signed link token' } },
} as const;

export const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tool: {
      type: 'string',
      pattern: NAME,
      maxLength: 200,
      description: 'only this tool: a name of letters, digits and . _ : / @ -',
    },
    batch: {
      type: 'string',
      pattern: NAME,
      maxLength: 200,
      description: 'only this batch (context.batch): an ID of letters, digits and . _ : / @ -',
    },
    olderThan: {
      type: 'string',
      pattern: DURATION,
      maxLength: 32,
      description: `started more than this long ago: a duration like 10m, 2h or 7d, at most ${MAX_LISTING_AGE_DAYS}d`,
    },
    newerThan: {
      type: 'string',
      pattern: DURATION,
      maxLength: 32,
      description: `started less than this long ago: a duration like 10m, 2h or 7d, at most ${MAX_LISTING_AGE_DAYS}d`,
    },
    pageSize: {
      type: 'string',
      pattern: '^[0-9]{1,3}$',
      description: `escalations per page, an integer from 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`,
    },
    pageToken: {
      type: 'string',
      pattern: '^[A-Za-z0-9_-]+$',
      maxLength: 4096,
      description: 'the nextPageToken of the previous page, unchanged (base64url)',
    },
  },
} as const;

export interface ListQuery {
  tool?: string;
  batch?: string;
  olderThan?: string;
  newerThan?: string;
  pageSize?: string;
  pageToken?: string;
}

const reason = { type: 'string', minLength: 1, maxLength: MAX_REASON_LENGTH } as const;

export const approveBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    reason: { ...reason, description: 'why; shown to the caller' },
    modifiedInput: {
      type: 'object',
      description: 'approve with this edited input; the policy checks it again (422 when it refuses)',
    },
  },
} as const;

export interface ApproveBody {
  reason?: string;
  modifiedInput?: Record<string, unknown>;
}

export const denyBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason: { ...reason, description: 'why; shown to the caller' } },
} as const;

export interface DenyBody {
  reason: string;
}

/** The confirmation form of a one-click link (application/x-www-form-urlencoded). */
export const linkFormSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: MAX_REASON_LENGTH } },
} as const;

export interface LinkForm {
  reason?: string;
}
