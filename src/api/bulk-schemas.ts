/** JSON schemas of the grouped queue and of bulk decisions (fastify validates with them; OpenAPI shows them). */
import { BULK_MAX_IDS, BULK_MAX_WHERE_LENGTH } from '../workflows/bulk-definitions';
import { INPUT_LIMITS } from '../workflows/input-limits';
import { MAX_REASON_LENGTH } from './schemas';

const NAME = '^[A-Za-z0-9._:/@-]+$';
const DURATION = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';
/** The longest `where` condition accepted. */
export const MAX_WHERE_LENGTH = BULK_MAX_WHERE_LENGTH;
export const MAX_GROUPS_PAGE = 100;

const name = (what: string) => ({ type: 'string', pattern: NAME, maxLength: 200, description: what }) as const;

export const groupsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    by: {
      type: 'string',
      pattern: '^(batch|tool|rule)(,(batch|tool|rule)){0,2}$',
      description: 'group keys in order, comma-separated: any of batch, tool, rule (default batch,tool,rule)',
    },
    batch: name('only this batch'),
    tool: name('only this tool'),
    rule: name('only escalations this rule hit'),
    pageSize: {
      type: 'string',
      pattern: '^[0-9]{1,3}$',
      description: `groups per page, 1 to ${MAX_GROUPS_PAGE} (default 50)`,
    },
    pageToken: { type: 'string', pattern: '^[0-9]{1,7}$', description: 'the nextPageToken of the previous page' },
  },
} as const;

export interface GroupsQuery {
  by?: string;
  batch?: string;
  tool?: string;
  rule?: string;
  pageSize?: string;
  pageToken?: string;
}

export const bulkBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['decision', 'filter'],
  properties: {
    decision: { type: 'string', enum: ['approve', 'deny'], description: 'approve or deny' },
    reason: { type: 'string', minLength: 1, maxLength: MAX_REASON_LENGTH, description: 'why (required to deny)' },
    dryRun: { type: 'boolean', description: 'count the escalations covered and show a sample, deciding nothing' },
    filter: {
      type: 'object',
      additionalProperties: false,
      description: 'ids, or at least one of batch, tool, rule, olderThan; where narrows either',
      properties: {
        ids: {
          type: 'array',
          minItems: 1,
          maxItems: BULK_MAX_IDS,
          items: { type: 'string', minLength: 1, maxLength: INPUT_LIMITS.callIdLength },
          description: `escalation IDs, at most ${BULK_MAX_IDS}`,
        },
        batch: name('the batch ID (GuardBatchId)'),
        tool: name('the tool (GuardTool)'),
        rule: name('a rule ID the call hit (GuardRules)'),
        olderThan: { type: 'string', pattern: DURATION, maxLength: 32, description: 'started more than this long ago' },
        where: {
          type: 'string',
          minLength: 1,
          maxLength: MAX_WHERE_LENGTH,
          description: 'a CEL condition over tool, input and context, e.g. input.amount <= 5000',
        },
      },
    },
  },
} as const;

export interface BulkBody {
  decision: 'approve' | 'deny';
  reason?: string;
  dryRun?: boolean;
  filter: { ids?: string[]; batch?: string; tool?: string; rule?: string; olderThan?: string; where?: string };
}

export const bulkParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^bulk-[A-Za-z0-9-]{1,64}$', description: 'bulk decision ID' } },
} as const;
