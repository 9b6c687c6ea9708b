/** One-line guard for agent code that uses the OpenAI SDK. */
import { patchCreate, type CreateMethod, type PatchOptions } from './patch-create';
import type { ToolGuard } from './types';

/** The parts of an `OpenAI` client that get patched. */
export interface OpenAIClientLike {
  chat: { completions: { create: CreateMethod } };
  responses?: { create: CreateMethod };
}

/**
 * Guards every non-streaming `client.chat.completions.create` and `client.responses.create` response: the
 * function tool calls are checked (see {@link guardToolCalls}) before the response reaches your agent loop.
 * Helpers built on them (`chat.completions.parse`, `responses.parse`) are guarded too. Read what the guard did
 * with `guardSummaryOf(response)`. The client is patched in place; the SDK is never imported by durable-guard.
 *
 * @example
 * const openai = patchOpenAI(new OpenAI(), new GuardClient(), { onBlock: 'tool-result' });
 *
 * @param client an `OpenAI` client (or anything with `chat.completions.create`).
 * @param guard a `GuardClient`, or anything with a compatible `check`.
 * @returns the same client.
 * @throws GuardInputError when the client is already patched.
 */
export function patchOpenAI<C extends OpenAIClientLike>(client: C, guard: ToolGuard, options: PatchOptions = {}): C {
  patchCreate(client.chat.completions, 'openai.chat.completions.create', 'patchOpenAI', guard, options);
  if (client.responses) patchCreate(client.responses, 'openai.responses.create', 'patchOpenAI', guard, options);
  return client;
}
