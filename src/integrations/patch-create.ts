/** Wraps one SDK `create` method so that every non-streaming response is guarded before it is returned. */
import { GuardInputError } from '../client/errors';
import { guardToolCalls } from './guard-tool-calls';
import { toolSchemasGivenToModel } from './tool-schemas';
import type { GuardToolCallsOptions, ToolGuard } from './types';

/** An SDK method like `client.messages.create`; typed loosely so that no SDK has to be installed. */
export type CreateMethod = (body: never, options?: never) => unknown;

/** Options of {@link patchAnthropic} and {@link patchOpenAI}. */
export interface PatchOptions extends GuardToolCallsOptions {
  /**
   * Streamed responses (`stream: true`, `messages.stream()`, `responses.stream()`) cannot be guarded: the tool
   * calls reach your code piece by piece before the guard could decide. `'reject'` throws a `GuardInputError`;
   * `'pass-through'` lets streams through UNGUARDED.
   * @default 'reject'
   */
  streaming?: 'reject' | 'pass-through';
  /**
   * Send each call with the JSON Schema its tool was given to the model in the request's `tools` (Anthropic
   * `input_schema`, OpenAI `function.parameters` / Responses `parameters`): the worker blocks an input that does
   * not validate before any rule runs. An explicit `toolSchemas` option wins per tool.
   * @default true
   */
  attachToolSchemas?: boolean;
}

const patchedMark = Symbol.for('durable-guard.patched');

type LooseCreate = ((body: unknown, options?: unknown) => unknown) & { [patchedMark]?: true };

interface ThenUnwrappable {
  _thenUnwrap(transform: (data: unknown) => unknown): unknown;
}

function hasThenUnwrap(value: unknown): value is ThenUnwrappable {
  return typeof (value as Partial<ThenUnwrappable> | null)?._thenUnwrap === 'function';
}

/**
 * Replaces `resource.create` with a guarded version.
 *
 * @param label how the method is named in errors, e.g. `anthropic.messages.create`.
 * @param patchName the function the caller used, for the streaming error's advice.
 */
export function patchCreate(
  resource: { create: CreateMethod },
  label: string,
  patchName: string,
  guard: ToolGuard,
  options: PatchOptions,
): void {
  const original = resource.create as LooseCreate;
  if (typeof original !== 'function') {
    throw new GuardInputError(`${patchName}: ${label} is not a function; pass the SDK client itself`);
  }
  if (original[patchedMark]) {
    throw new GuardInputError(`${patchName}: ${label} is already guarded; patch each client once`);
  }
  const guarded: LooseCreate = (body, requestOptions) => {
    if ((body as { stream?: unknown } | null)?.stream === true) {
      if (options.streaming === 'pass-through') return original.call(resource, body, requestOptions);
      // Thrown synchronously, like the SDK's own argument errors, so `.withResponse()` callers see it too.
      throw new GuardInputError(
        `durable-guard cannot guard a streamed response from ${label}: tool calls would reach your code before ` +
          `the guard decides. Call it without \`stream: true\`, or pass { streaming: 'pass-through' } to ` +
          `${patchName} to let streams through unguarded.`,
      );
    }
    const callOptions =
      options.attachToolSchemas === false
        ? options
        : {
            ...options,
            toolSchemas: {
              ...toolSchemasGivenToModel((body as { tools?: unknown } | null)?.tools),
              ...options.toolSchemas,
            },
          };
    const check = async (response: unknown) => {
      if (typeof response === 'object' && response !== null) await guardToolCalls(response, guard, callOptions);
      return response;
    };
    const pending = original.call(resource, body, requestOptions);
    // The SDKs return an APIPromise; transforming it keeps `.withResponse()` and `.asResponse()` working.
    if (hasThenUnwrap(pending)) {
      const guardedPromise = pending._thenUnwrap(check) as PromiseLike<unknown>;
      // An APIPromise parses lazily, on the first `then`; start the guard now, as the SDK starts the request now.
      // The caller's own `await` sees the same outcome, rejection included.
      guardedPromise.then(undefined, () => undefined);
      return guardedPromise;
    }
    return Promise.resolve(pending).then(check);
  };
  guarded[patchedMark] = true;
  resource.create = guarded as CreateMethod;
}
