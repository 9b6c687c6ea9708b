/**
 * Caller identities: bearer tokens that may ask the HTTP guard endpoint for decisions and nothing else. They are
 * kept apart from approver tokens, so a caller (an agent, which a prompt injection may steer) can never approve.
 */
import { ConfigError } from '../config/config-error';
import { createApproverRegistry, type Approver, type ApproverRegistry } from './approvers';

/** Env: `id:token` entries separated by commas, e.g. `support-agent:TOKEN,batch-runner:TOKEN2`. */
export const CALLER_TOKENS_ENV = 'DURABLE_GUARD_CALLER_TOKENS';

/** An authenticated caller of `/v1/guard` and `/v1/calls`. */
export type Caller = Omit<Approver, 'groups'>;

/** Maps bearer tokens to callers; tokens are held only as SHA-256 hashes. */
export interface CallerRegistry {
  authenticate(authorizationHeader: string | undefined): Caller | undefined;
  readonly size: number;
}

interface CallerEntry {
  id: string;
  token: string;
}

/** Parses `DURABLE_GUARD_CALLER_TOKENS`: `support-agent:TOKEN,batch-runner:TOKEN2`. */
export function parseCallerTokens(value: string): CallerEntry[] {
  return value
    .split(',')
    .map((raw) => raw.trim())
    .filter((raw) => raw.length > 0)
    .map((raw, index) => {
      const colon = raw.indexOf(':');
      if (colon <= 0) {
        throw new ConfigError(CALLER_TOKENS_ENV, `${CALLER_TOKENS_ENV} entry ${index + 1}: expected 'id:token'`);
      }
      return { id: raw.slice(0, colon).trim(), token: raw.slice(colon + 1).trim() };
    });
}

/**
 * Builds the caller registry with the approver registry's checks (ids, token strength, no shared tokens), and
 * refuses a caller token that is also an approver's: one token must never both ask and decide.
 * @throws ConfigError naming the entry, never the token.
 */
export function createCallerRegistry(entries: readonly CallerEntry[], approvers?: ApproverRegistry): CallerRegistry {
  for (const [index, entry] of entries.entries()) {
    if (approvers?.authenticate(`Bearer ${entry.token}`)) {
      throw new ConfigError(
        CALLER_TOKENS_ENV,
        `${CALLER_TOKENS_ENV} entry ${index + 1} ('${entry.id}'): the token is also an approver's token; give callers ` +
          'their own tokens (`openssl rand -base64 24`), a caller must never be able to approve',
      );
    }
  }
  const registry = createApproverRegistry(entries, CALLER_TOKENS_ENV);
  return {
    size: registry.size,
    authenticate(header) {
      const found = registry.authenticate(header);
      return found && { id: found.id };
    },
  };
}

/** Loads callers from `DURABLE_GUARD_CALLER_TOKENS` (none when unset: the guard endpoint then refuses everyone). */
export function loadCallers(env: NodeJS.ProcessEnv = process.env, approvers?: ApproverRegistry): CallerRegistry {
  const tokens = env[CALLER_TOKENS_ENV]?.trim();
  return createCallerRegistry(tokens ? parseCallerTokens(tokens) : [], approvers);
}
