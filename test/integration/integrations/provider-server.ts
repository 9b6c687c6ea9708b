/**
 * A stand-in for the Anthropic and OpenAI APIs on 127.0.0.1: answers each route from a queue of recorded-looking
 * fixtures, records the request bodies, and refuses (400, in the provider's error shape) a conversation whose
 * tool results do not answer the calls of the assistant turn before them, as the real APIs do.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadFixture } from '../../fixtures/providers/load-fixture';

type Route = '/v1/messages' | '/v1/chat/completions' | '/v1/responses';

interface Block {
  type: string;
  id?: string;
  tool_use_id?: string;
}
interface ChatMessage {
  role: string;
  tool_calls?: { id: string }[];
  tool_call_id?: string;
  content?: unknown;
}
interface ResponsesItem {
  type?: string;
  call_id?: string;
}

/** Anthropic: each tool_use must be answered in the next user message, and every tool_result must answer one. */
function anthropicProblem(messages: { role: string; content: string | Block[] }[]): string | undefined {
  for (let i = 0; i < messages.length; i += 1) {
    const message = messages[i]!;
    if (typeof message.content === 'string') continue;
    const results = message.content.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
    const previous = messages[i - 1];
    const asked =
      message.role === 'user' && previous && typeof previous.content !== 'string'
        ? previous.content.filter((b) => b.type === 'tool_use').map((b) => b.id)
        : [];
    for (const id of results) {
      if (!asked.includes(id)) {
        return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
    if (message.role === 'assistant') {
      const next = messages[i + 1];
      const answered = next && typeof next.content !== 'string' ? next.content.map((b) => b.tool_use_id) : [];
      const missing = message.content.filter((b) => b.type === 'tool_use' && !answered.includes(b.id));
      if (next && missing.length > 0) {
        return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.map((b) => b.id).join(', ')}`;
      }
    }
  }
  return undefined;
}

/** OpenAI Chat: tool messages follow an assistant turn that made those calls; no empty tool_calls array. */
function chatProblem(messages: ChatMessage[]): string | undefined {
  let open: string[] = [];
  for (const [i, message] of messages.entries()) {
    if (message.role === 'assistant') {
      if (Array.isArray(message.tool_calls) && message.tool_calls.length === 0) {
        return `Invalid 'messages[${i}].tool_calls': empty array. Expected an array with minimum length 1, but got an empty array instead.`;
      }
      if (open.length > 0)
        return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`;
      open = (message.tool_calls ?? []).map((c) => c.id);
    } else if (message.role === 'tool') {
      if (!open.includes(message.tool_call_id as string)) {
        return `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`;
      }
      open = open.filter((id) => id !== message.tool_call_id);
    } else if (open.length > 0) {
      return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`;
    }
  }
  return undefined;
}

/** OpenAI Responses (no previous_response_id): every function_call_output answers a function_call in the input. */
function responsesProblem(input: unknown): string | undefined {
  if (!Array.isArray(input)) return undefined;
  const calls = (input as ResponsesItem[]).filter((item) => item.type === 'function_call').map((c) => c.call_id);
  for (const item of input as ResponsesItem[]) {
    if (item.type === 'function_call_output' && !calls.includes(item.call_id)) {
      return `No tool call found for function call output with call_id ${item.call_id}.`;
    }
  }
  return undefined;
}

function problemOf(route: Route, body: Record<string, unknown>): string | undefined {
  if (route === '/v1/messages') return anthropicProblem(body.messages as never);
  if (route === '/v1/chat/completions') return chatProblem(body.messages as ChatMessage[]);
  return body.previous_response_id ? undefined : responsesProblem(body.input);
}

function errorBody(route: Route, message: string): unknown {
  if (route === '/v1/messages') return { type: 'error', error: { type: 'invalid_request_error', message } };
  return { error: { message, type: 'invalid_request_error', param: 'messages', code: null } };
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

/** Starts the server; queue fixture names per route with `reply`, read what the SDK sent in `requests`. */
export async function startProviderServer() {
  const queues = new Map<Route, string[]>();
  const requests: { route: Route; body: Record<string, unknown> }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const route = req.url?.split('?')[0] as Route;
      const body = await readBody(req);
      requests.push({ route, body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${requests.length}` });
        res.end(JSON.stringify(payload));
      };
      const problem = problemOf(route, body);
      if (problem) return send(400, errorBody(route, problem));
      const next = queues.get(route)?.shift();
      if (!next) return send(404, errorBody(route, `no fixture queued for ${route}`));
      send(200, loadFixture(next));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    /** For `new Anthropic({ baseURL })`. */
    anthropicURL: `http://127.0.0.1:${port}`,
    /** For `new OpenAI({ baseURL })`. */
    openaiURL: `http://127.0.0.1:${port}/v1`,
    requests,
    reply(route: Route, ...fixtures: string[]) {
      queues.set(route, [...(queues.get(route) ?? []), ...fixtures]);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
