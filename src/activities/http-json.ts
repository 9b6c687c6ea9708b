import type { Dispatcher } from 'undici';
import { request } from 'undici';

/** An HTTP failure that retrying will not fix (a 4xx other than 408/429, a missing API key). */
export class PermanentHttpError extends Error {
  override readonly name = 'PermanentHttpError';
}

/** Options of {@link postJsonWithRetries}. */
export interface PostJsonOptions<T> {
  url: string;
  body: unknown;
  headers?: Record<string, string>;
  /** Per attempt. */
  timeoutMs: number;
  /** Extra attempts after the first. */
  retries: number;
  dispatcher?: Dispatcher;
  /** Checks the parsed answer; throw to reject it (counts as a failed attempt). */
  parse: (json: unknown) => T;
}

/**
 * POSTs JSON and parses the JSON answer, with a timeout per attempt and bounded retries (short exponential
 * backoff). Retries network errors, timeouts, 408, 429, 5xx and malformed answers; fails at once on other 4xx.
 * @returns what `parse` returns
 * @throws the last attempt's error
 */
export async function postJsonWithRetries<T>(options: PostJsonOptions<T>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 1000)));
    try {
      return await attemptOnce(options);
    } catch (error) {
      lastError = error;
      if (error instanceof PermanentHttpError) break;
    }
  }
  throw lastError;
}

async function attemptOnce<T>(options: PostJsonOptions<T>): Promise<T> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(options.body),
      signal,
      dispatcher: options.dispatcher,
    });
  } catch (error) {
    if (signal.aborted)
      throw new Error(`no answer from ${options.url} within ${options.timeoutMs} ms`, { cause: error });
    throw error;
  }
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    if (signal.aborted)
      throw new Error(`no answer from ${options.url} within ${options.timeoutMs} ms`, { cause: error });
    throw error;
  }
  const status = response.statusCode;
  if (status >= 400) {
    const message = `${options.url} answered HTTP ${status}: ${text.slice(0, 200)}`;
    if (status < 500 && status !== 408 && status !== 429) throw new PermanentHttpError(message);
    throw new Error(message);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${options.url} answered with invalid JSON: ${text.slice(0, 200)}`);
  }
  return options.parse(json);
}

/** Reads an API key from the environment variable the rule names. */
export function apiKeyFrom(env: NodeJS.ProcessEnv, name: string | undefined, ruleId: string): string | undefined {
  if (name === undefined) return undefined;
  const key = env[name];
  if (!key) {
    throw new PermanentHttpError(`rule '${ruleId}': environment variable ${name} is not set; export the API key in it`);
  }
  return key;
}
