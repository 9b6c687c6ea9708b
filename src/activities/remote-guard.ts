import type { Dispatcher } from 'undici';
import { z } from 'zod';

import type { RemoteGuard, RemoteVerdict } from '../policy';
import { apiKeyFrom, postJsonWithRetries } from './http-json';

/** Options of {@link createRemoteGuard}. */
export interface RemoteGuardOptions {
  /** undici dispatcher (connection pool, proxy); the global one by default. */
  dispatcher?: Dispatcher;
  /** Where API keys are looked up by name. @default process.env */
  env?: NodeJS.ProcessEnv;
}

const action = z.enum(['allow', 'block', 'modify', 'escalate']);
const answerSchema = z
  .object({
    action,
    modified_input: z.record(z.string(), z.unknown()).optional(),
    reason: z.string().optional(),
    rules_triggered: z
      .array(
        z.union([
          z.string(),
          z.object({
            id: z.string(),
            action: action.optional(),
            mode: z.enum(['enforce', 'audit']).optional(),
            message: z.string().optional(),
          }),
        ]),
      )
      .optional(),
  })
  .refine((answer) => answer.action !== 'modify' || answer.modified_input !== undefined, {
    message: 'action modify needs modified_input',
  });

/** Validates a remote guard's answer and maps it to camelCase. @throws when the answer is malformed */
export function parseRemoteAnswer(json: unknown): RemoteVerdict {
  const answer = answerSchema.safeParse(json);
  if (!answer.success) {
    throw new Error(
      `remote guard answer is malformed (${answer.error.issues[0]?.message ?? 'invalid'}); expected ` +
        '{action, modified_input?, reason?, rules_triggered?}',
    );
  }
  const { data } = answer;
  const verdict: RemoteVerdict = { action: data.action };
  if (data.modified_input) verdict.modifiedInput = data.modified_input;
  if (data.reason !== undefined) verdict.reason = data.reason;
  if (data.rules_triggered) {
    verdict.rulesTriggered = data.rules_triggered.map((hit) => (typeof hit === 'string' ? { id: hit } : hit));
  }
  return verdict;
}

/**
 * Builds the {@link RemoteGuard} service for `remote` rules: POSTs `{tool, input, context}` to the rule's URL
 * and validates the answer `{action, modified_input?, reason?, rules_triggered?}`. Rejects on any failure,
 * so that the engine fails the rule closed (or open, when the rule says `failOpen: true`).
 */
export function createRemoteGuard(options: RemoteGuardOptions = {}): RemoteGuard {
  const env = options.env ?? process.env;
  return async (req) => {
    const key = apiKeyFrom(env, req.apiKeyEnv, req.ruleId);
    return postJsonWithRetries({
      url: req.url,
      headers: key ? { authorization: `Bearer ${key}` } : {},
      body: req.call,
      timeoutMs: req.timeoutMs,
      retries: req.retries,
      dispatcher: options.dispatcher,
      parse: parseRemoteAnswer,
    });
  };
}
