/**
 * Model-provider integrations: guard the tool calls an Anthropic or OpenAI model proposes before the agent loop
 * runs them. `patchAnthropic` / `patchOpenAI` wrap an SDK client in one line; `guardToolCalls` guards one
 * response by hand. The SDKs are optional: nothing here imports them.
 */
export { guardSummaryOf, guardToolCalls, toolCallGuardId } from './guard-tool-calls';
export { patchAnthropic, type AnthropicClientLike } from './patch-anthropic';
export { patchOpenAI, type OpenAIClientLike } from './patch-openai';
export { toolSchemasFromDefinitions, toolSchemasGivenToModel } from './tool-schemas';
export type { PatchOptions } from './patch-create';
export type {
  AnthropicToolResultBlock,
  GuardedToolCall,
  GuardedToolCalls,
  GuardToolCallsOptions,
  OpenAIToolMessage,
  PendingToolCall,
  ProviderShape,
  ResponsesFunctionCallOutput,
  ToolGuard,
  ToolResultMessage,
} from './types';
export { GuardBlocked, GuardUnavailable, type BlockedCall } from '../client/errors';
