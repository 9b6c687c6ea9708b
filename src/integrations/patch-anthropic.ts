/** One-line guard for agent code that uses the Anthropic SDK. */
import { patchCreate, type CreateMethod, type PatchOptions } from './patch-create';
import type { ToolGuard } from './types';

/** The part of an `Anthropic` client that gets patched. */
export interface AnthropicClientLike {
  messages: { create: CreateMethod };
}

/**
 * Guards every non-streaming `client.messages.create` response: the `tool_use` blocks are checked (see
 * {@link guardToolCalls}) before the response reaches your agent loop. Read what the guard did with
 * `guardSummaryOf(response)`. The client is patched in place; the SDK is never imported by durable-guard.
 *
 * @example
 * const anthropic = patchAnthropic(new Anthropic(), new GuardClient(), { callIdPrefix: 'agent-42-' });
 *
 * @param client an `Anthropic` client (or anything with `messages.create`).
 * @param guard a `GuardClient`, or anything with a compatible `check`.
 * @returns the same client.
 * @throws GuardInputError when the client is already patched.
 */
export function patchAnthropic<C extends AnthropicClientLike>(
  client: C,
  guard: ToolGuard,
  options: PatchOptions = {},
): C {
  patchCreate(client.messages, 'anthropic.messages.create', 'patchAnthropic', guard, options);
  return client;
}
