import type { Dispatcher } from 'undici';
import { z } from 'zod';

import type { LlmJudge, LlmVerdict } from '../policy';
import { apiKeyFrom, postJsonWithRetries } from './http-json';

/** Options of {@link createLlmJudge}. */
export interface LlmJudgeOptions {
  /** undici dispatcher (connection pool, proxy); the global one by default. */
  dispatcher?: Dispatcher;
  /** Where API keys are looked up by name. @default process.env */
  env?: NodeJS.ProcessEnv;
}

const systemPrompt =
  'You review tool calls made by an AI agent before they run. Answer with one JSON object and nothing else: ' +
  '{"action": "allow" | "block" | "escalate", "reason": "<one sentence>"}. Use escalate when a human should decide.';

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1),
});
const verdictSchema = z.object({ action: z.enum(['allow', 'block', 'escalate']), reason: z.string().optional() });

/** Extracts the verdict from a model's message, tolerating a code fence or text around the JSON object. */
export function parseVerdict(content: string): LlmVerdict {
  const start = content.indexOf('{');
  const end = content.lastIndexOf('}');
  if (start < 0 || end < start) throw new Error(`judge answer has no JSON verdict: ${content.slice(0, 200)}`);
  let json: unknown;
  try {
    json = JSON.parse(content.slice(start, end + 1));
  } catch {
    throw new Error(`judge verdict is not valid JSON: ${content.slice(start, start + 200)}`);
  }
  const verdict = verdictSchema.safeParse(json);
  if (!verdict.success) {
    throw new Error(`judge verdict needs {"action": "allow" | "block" | "escalate", "reason": "..."}`);
  }
  return verdict.data;
}

/**
 * Builds the {@link LlmJudge} service for `llm-judge` rules: `POST {baseUrl}/v1/chat/completions` on any
 * OpenAI-compatible server, with the rule's timeout per attempt and its bounded retries. Rejects when no valid
 * verdict arrives, so that the engine applies the rule's fallback.
 */
export function createLlmJudge(options: LlmJudgeOptions = {}): LlmJudge {
  const env = options.env ?? process.env;
  return async (req) => {
    const key = apiKeyFrom(env, req.apiKeyEnv, req.ruleId);
    return postJsonWithRetries({
      url: `${req.baseUrl}/v1/chat/completions`,
      headers: key ? { authorization: `Bearer ${key}` } : {},
      body: {
        model: req.model,
        temperature: 0,
        messages: [
          { role: 'system', content: systemPrompt },
          { role: 'user', content: req.prompt },
        ],
      },
      timeoutMs: req.timeoutMs,
      retries: req.retries,
      dispatcher: options.dispatcher,
      parse: (json) => {
        const completion = completionSchema.safeParse(json);
        if (!completion.success)
          throw new Error('judge answer is not a chat completion (no choices[0].message.content)');
        return parseVerdict(completion.data.choices[0]?.message.content ?? '');
      },
    });
  };
}
