/** JSON schemas of the standing-grant routes (fastify validates with them; OpenAPI shows them). */
import { MAX_WHERE_LENGTH } from './bulk-schemas';
import { MAX_REASON_LENGTH } from './schemas';

const NAME = '^[A-Za-z0-9._:/@-]+$';
const DURATION = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';
const name = (what: string) => ({ type: 'string', pattern: NAME, maxLength: 200, description: what }) as const;
const GRANT_ID = '^grant-[A-Za-z0-9-]{1,64}$';

export const grantBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['expiresIn', 'reason'],
  properties: {
    fromEscalation: {
      type: 'string',
      minLength: 1,
      maxLength: 1000,
      description: 'a pending escalation the grant is made from: its tool and escalating rule',
    },
    scope: {
      type: 'object',
      additionalProperties: false,
      description: 'tool and rule (required without fromEscalation); batch, agent, caller and where narrow',
      properties: {
        tool: name('the tool (GuardTool)'),
        rule: name('an escalating rule of the calls answered'),
        batch: name('only calls of this batch (context.batch)'),
        agent: name('only calls of this agent (context.agent)'),
        caller: name('only calls of this caller (context.caller)'),
        where: {
          type: 'string',
          minLength: 1,
          maxLength: MAX_WHERE_LENGTH,
          description: 'a CEL condition over tool, input and context, e.g. input.amount <= 500',
        },
      },
    },
    expiresIn: {
      type: 'string',
      pattern: DURATION,
      maxLength: 32,
      description: "how long the grant lives, e.g. 30m or 8h: at most the rule's maxGrant (default 24h)",
    },
    reason: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_REASON_LENGTH,
      description: 'why: written into each decision',
    },
  },
} as const;

export interface GrantBody {
  fromEscalation?: string;
  scope?: { tool?: string; rule?: string; batch?: string; agent?: string; caller?: string; where?: string };
  expiresIn: string;
  reason: string;
}

export const grantParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', pattern: GRANT_ID, description: 'standing grant ID' } },
} as const;

export const grantListQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: ['live', 'revoked', 'expired'], description: 'only grants in this state' },
    tool: name('only grants of this tool'),
  },
} as const;

export const revokeQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: MAX_REASON_LENGTH, description: 'why' } },
} as const;
