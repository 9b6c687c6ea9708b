import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config/config-error';

/** An authenticated person or system that may decide escalations. */
export interface Approver {
  id: string;
  groups: string[];
}

/** One configured approver: a plain `token` (hashed on load) or its `tokenSha256` (hex). */
export interface ApproverEntry {
  id: string;
  groups?: string[];
  token?: string;
  tokenSha256?: string;
}

/** Maps bearer tokens to approvers; tokens are held only as SHA-256 hashes. */
export interface ApproverRegistry {
  /** The approver whose token is in `Authorization: Bearer <token>`, or `undefined`. */
  authenticate(authorizationHeader: string | undefined): Approver | undefined;
  readonly size: number;
}

/** Env: path of a JSON or YAML approvers file. */
export const APPROVERS_FILE_ENV = 'DURABLE_GUARD_APPROVERS';
/** Env: `id:group1|group2:token` entries separated by commas; the group list may be empty (`bob::token`). */
export const APPROVER_TOKENS_ENV = 'DURABLE_GUARD_APPROVER_TOKENS';

const MIN_TOKEN_LENGTH = 16;
const ID_PATTERN = /^[A-Za-z0-9._@-]+$/;
const GROUP_PATTERN = /^[A-Za-z0-9._-]+$/;

const fileSchema = z.strictObject({
  approvers: z.array(
    z.strictObject({
      id: z.string().regex(ID_PATTERN, 'use letters, digits and . _ @ -'),
      groups: z.array(z.string().regex(GROUP_PATTERN, 'use letters, digits and . _ -')).optional(),
      token: z.string().optional(),
      tokenSha256: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (`printf %s "$TOKEN" | sha256sum`)')
        .optional(),
    }),
  ),
});

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Builds a registry, refusing duplicate ids, shared tokens, weak tokens and entries without exactly one token
 * (`ConfigError`; the message names the entry, never the token).
 */
export function createApproverRegistry(
  entries: readonly ApproverEntry[],
  variable: string = APPROVER_TOKENS_ENV,
  source: string = variable,
): ApproverRegistry {
  const records: { approver: Approver; hash: Buffer }[] = [];
  const ids = new Set<string>();
  const hashes = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    const where = `${source} entry ${index + 1} ('${entry.id}')`;
    if (!ID_PATTERN.test(entry.id)) {
      throw new ConfigError(variable, `${where}: id must be letters, digits and . _ @ -`);
    }
    if (ids.has(entry.id)) throw new ConfigError(variable, `${where}: duplicate id; give each approver one entry`);
    ids.add(entry.id);
    const badGroup = (entry.groups ?? []).find((group) => !GROUP_PATTERN.test(group));
    if (badGroup !== undefined) {
      throw new ConfigError(variable, `${where}: group '${badGroup}' must be letters, digits and . _ -`);
    }
    if ((entry.token === undefined) === (entry.tokenSha256 === undefined)) {
      throw new ConfigError(variable, `${where}: give exactly one of token or tokenSha256`);
    }
    if (entry.token !== undefined && entry.token.length < MIN_TOKEN_LENGTH) {
      throw new ConfigError(
        variable,
        `${where}: token is shorter than ${MIN_TOKEN_LENGTH} characters; generate one with \`openssl rand -base64 24\``,
      );
    }
    const hash = entry.token !== undefined ? sha256(entry.token) : Buffer.from(entry.tokenSha256 as string, 'hex');
    const hex = hash.toString('hex');
    if (hashes.has(hex)) throw new ConfigError(variable, `${where}: token is already used by another approver`);
    hashes.add(hex);
    records.push({ approver: { id: entry.id, groups: [...new Set(entry.groups ?? [])] }, hash });
  }

  return {
    size: records.length,
    authenticate(authorizationHeader) {
      const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorizationHeader ?? '');
      if (!match) return undefined;
      const presented = sha256(match[1] as string);
      let found: Approver | undefined;
      // Compare against every record so the time taken does not reveal which one matched.
      for (const record of records) {
        if (timingSafeEqual(presented, record.hash)) found = record.approver;
      }
      return found && { id: found.id, groups: [...found.groups] };
    },
  };
}

/** Parses `DURABLE_GUARD_APPROVER_TOKENS`: `alice:finance|ops:TOKEN,bob::TOKEN2` (id, groups, token). */
export function parseApproverTokens(value: string): ApproverEntry[] {
  return value
    .split(',')
    .map((raw) => raw.trim())
    .filter((raw) => raw.length > 0)
    .map((raw, index): ApproverEntry => {
      const first = raw.indexOf(':');
      const second = first < 0 ? -1 : raw.indexOf(':', first + 1);
      if (first <= 0 || second < 0) {
        throw new ConfigError(
          APPROVER_TOKENS_ENV,
          `${APPROVER_TOKENS_ENV} entry ${index + 1}: expected 'id:group1|group2:token' (groups may be empty: 'id::token')`,
        );
      }
      const groups = raw
        .slice(first + 1, second)
        .split('|')
        .map((group) => group.trim())
        .filter((group) => group.length > 0);
      return { id: raw.slice(0, first).trim(), groups, token: raw.slice(second + 1).trim() };
    });
}

/** Parses a JSON or YAML approvers file (`{ approvers: [{ id, groups?, token? | tokenSha256? }] }`). */
export function parseApproversFile(text: string, path: string): ApproverEntry[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (cause) {
    throw new ConfigError(APPROVERS_FILE_ENV, `${path}: not valid JSON or YAML: ${(cause as Error).message}`, {
      cause,
    });
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? issue.path.join('.') : '(top level)';
    throw new ConfigError(
      APPROVERS_FILE_ENV,
      `${path}: ${at}: ${issue?.message ?? 'invalid'} (expected { approvers: [{ id, groups?, token | tokenSha256 }] })`,
    );
  }
  return parsed.data.approvers;
}

/**
 * Loads approvers from `DURABLE_GUARD_APPROVERS` (file) and `DURABLE_GUARD_APPROVER_TOKENS` (env entries); both
 * may be set and are combined. Returns an empty registry (nobody authenticates) when neither is set.
 */
export async function loadApprovers(env: NodeJS.ProcessEnv = process.env): Promise<ApproverRegistry> {
  const entries: ApproverEntry[] = [];
  const path = env[APPROVERS_FILE_ENV]?.trim();
  if (path) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      const reason = (cause as Error).message;
      throw new ConfigError(APPROVERS_FILE_ENV, `${APPROVERS_FILE_ENV}=${path}: cannot read the file (${reason})`, {
        cause,
      });
    }
    const fromFile = parseApproversFile(text, path);
    createApproverRegistry(fromFile, APPROVERS_FILE_ENV, path);
    entries.push(...fromFile);
  }
  const tokens = env[APPROVER_TOKENS_ENV]?.trim();
  if (tokens) {
    const fromEnv = parseApproverTokens(tokens);
    createApproverRegistry(fromEnv, APPROVER_TOKENS_ENV);
    entries.push(...fromEnv);
  }
  // Each source is checked on its own above so errors name it; what fails here clashes across the two.
  return createApproverRegistry(entries, APPROVER_TOKENS_ENV, `${APPROVERS_FILE_ENV} + ${APPROVER_TOKENS_ENV}`);
}

/**
 * Whether an authenticated approver may decide an escalation restricted to `approverGroups`.
 * @param approverGroups groups from the escalating rule; empty or absent lets anyone authenticated decide
 */
export function mayApprove(approver: Approver | undefined, approverGroups?: readonly string[]): boolean {
  if (!approver) return false;
  if (!approverGroups || approverGroups.length === 0) return true;
  return approverGroups.some((group) => approver.groups.includes(group));
}
