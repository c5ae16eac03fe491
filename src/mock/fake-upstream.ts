import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicError, anthropicMessage, anthropicStreamEvents } from './anthropic-wire.js';
import { planAnswer, type MockUsage } from './mock-answer.js';
import { parseDirective, type MockBehavior } from './mock-behavior.js';
import { countTokens, lastUserText, promptText } from './mock-conversation.js';
import { openAiCompletion, openAiError, openAiStreamEvents } from './openai-wire.js';
import { responsesAsConversation, responsesObject, responsesStreamEvents } from './responses-wire.js';
import { geminiAsConversation, geminiError, geminiResponse, geminiStreamEvents, parseGeminiPath } from './gemini-wire.js';

export type { MockBehavior } from './mock-behavior.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when it is not JSON. */
  body: unknown;
  receivedAt: number;
  /** The client closed the connection before the response finished. */
  clientAborted: boolean;
  /** Exactly what this server reported (input = whole prompt, cache reads and writes included). */
  sentUsage?: MockUsage;
  /** The full assistant text it produced. */
  sentText?: string;
  /** The whole response was written. */
  completed: boolean;
}

export interface FakeUpstream {
  /** e.g. `http://127.0.0.1:41234`, no trailing slash. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** FIFO; each behavior applies to exactly one next request. */
  enqueue(behavior: MockBehavior): void;
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  waitForClientAbort(index: number, timeoutMs?: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

type Wire = 'anthropic' | 'openai' | 'responses' | 'gemini';

const routes: Record<string, Wire | 'count_tokens'> = {
  '/v1/messages': 'anthropic',
  '/v1/messages/count_tokens': 'count_tokens',
  '/v1/chat/completions': 'openai',
  '/v1beta/openai/chat/completions': 'openai',
  '/v1/responses': 'responses',
};

/**
 * A local stand-in for Anthropic, OpenAI and Gemini's OpenAI-compatible API, speaking their real wire
 * formats (JSON and SSE) and recording what it received. Tests, the benchmark, `sluice mock-upstream` and
 * the built-in `mock` provider all use it.
 */
export async function startFakeUpstream(
  options: { port?: number; host?: string; defaultBehavior?: MockBehavior } = {},
): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const queue: MockBehavior[] = [];
  const changed = new Set<() => void>();
  const notify = () => {
    for (const listener of [...changed]) listener();
  };

  const waitUntil = (predicate: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (predicate()) return resolve();
      const timer = setTimeout(() => {
        changed.delete(check);
        reject(new Error(`fake upstream: timed out waiting for ${what}`));
      }, timeoutMs);
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        changed.delete(check);
        resolve();
      };
      changed.add(check);
    });

  const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake-upstream');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // keep the raw text
    }
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
      ),
      body,
      receivedAt: Date.now(),
      clientAborted: false,
      completed: false,
    };
    requests.push(recorded);
    response.on('close', () => {
      if (!response.writableFinished) {
        recorded.clientAborted = true;
        notify();
      }
    });
    notify();

    if (request.method === 'GET' && url.pathname === '/v1/models') {
      return sendJson(response, 200, { object: 'list', data: [{ id: 'mock-echo', object: 'model', created: 0, owned_by: 'mock' }] });
    }
    const geminiCall = request.method === 'POST' ? parseGeminiPath(url.pathname) : undefined;
    const route = request.method === 'POST' ? (routes[url.pathname] ?? (geminiCall ? 'gemini' : undefined)) : undefined;
    if (!route) return sendJson(response, 404, { error: { message: `Unknown path ${url.pathname}`, type: 'invalid_request_error' } });
    const wire: Wire = route === 'count_tokens' ? 'anthropic' : route;
    const fail = (status: number, message: string, headers: Record<string, string> = {}) =>
      sendJson(
        response,
        status,
        wire === 'anthropic' ? anthropicError(status, message) : wire === 'gemini' ? geminiError(status, message) : openAiError(status, message),
        headers,
      );

    // Anthropic takes `x-api-key` or, as its newer SDKs send it, `Authorization: Bearer`.
    const bearer = recorded.headers.authorization?.replace(/^Bearer\s+/i, '');
    const credential =
      wire === 'anthropic'
        ? (recorded.headers['x-api-key'] ?? bearer)
        : wire === 'gemini'
          ? (recorded.headers['x-goog-api-key'] ?? url.searchParams.get('key') ?? undefined)
          : bearer;
    if (!credential || credential === 'invalid-key') return fail(401, 'invalid x-api-key');
    if (wire === 'anthropic' && !recorded.headers['anthropic-version']) return fail(400, 'anthropic-version header is required');
    if (body === null || typeof body !== 'object') return fail(400, 'body must be a JSON object');
    const fields =
      wire === 'responses'
        ? responsesAsConversation(body as Record<string, unknown>)
        : wire === 'gemini'
          ? geminiAsConversation(body as Record<string, unknown>, geminiCall?.model ?? '')
          : (body as Record<string, unknown>);

    if (route === 'count_tokens') return sendJson(response, 200, { input_tokens: countTokens(promptText(fields)) });

    const behavior: MockBehavior =
      queue.shift() ?? headerBehavior(recorded.headers['x-mock-behavior']) ?? parseDirective(lastUserText(fields)) ?? options.defaultBehavior ?? {};
    if (behavior.hang) return;
    if (behavior.delayMs) await sleep(behavior.delayMs);
    if (recorded.clientAborted) return;
    if (behavior.status && behavior.status >= 400) {
      const headers: Record<string, string> = behavior.retryAfter === undefined ? {} : { 'retry-after': String(behavior.retryAfter) };
      return fail(behavior.status, behavior.errorMessage ?? `mock error ${behavior.status}`, headers);
    }
    const required =
      wire === 'responses' ? ['model', 'input'] : wire === 'gemini' ? ['contents'] : ['model', 'messages', ...(wire === 'anthropic' ? ['max_tokens'] : [])];
    const missing = required.find((field) => fields[field] === undefined);
    if (missing) return fail(400, `${missing}: Field required`);

    const answer = planAnswer(fields, behavior);
    recorded.sentText = answer.toolCall ? answer.toolCall.argumentsJson : answer.text;
    if (!answer.omitUsage) recorded.sentUsage = answer.usage;

    const streaming = wire === 'gemini' ? geminiCall?.stream === true : fields.stream === true;
    if (!streaming) {
      const whole =
        wire === 'anthropic' ? anthropicMessage(answer) : wire === 'responses' ? responsesObject(answer) : wire === 'gemini' ? geminiResponse(answer) : openAiCompletion(answer);
      sendJson(response, 200, whole);
      recorded.completed = true;
      return;
    }
    const includeUsage = (fields.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    if (wire === 'openai' && !includeUsage) delete recorded.sentUsage;
    const events =
      wire === 'anthropic'
        ? anthropicStreamEvents(answer)
        : wire === 'responses'
          ? responsesStreamEvents(answer)
          : wire === 'gemini'
            ? geminiStreamEvents(answer)
            : openAiStreamEvents(answer, includeUsage);
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': 'req_mock' });
    for (const [index, event] of events.entries()) {
      if (behavior.dropAfterEvents !== undefined && index >= behavior.dropAfterEvents) {
        // Let what was written reach the client first, as when a real provider dies mid-stream.
        await new Promise<void>((resolve) => response.write('', () => resolve()));
        response.socket?.destroy();
        return;
      }
      if (recorded.clientAborted) return;
      if (!response.write(event)) await drainOrClose(response);
      if (behavior.chunkDelayMs) await sleep(behavior.chunkDelayMs);
    }
    response.end();
    recorded.completed = true;
  }

  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    enqueue: (behavior) => void queue.push(behavior),
    waitForRequests: (count, timeoutMs = 5_000) => waitUntil(() => requests.length >= count, timeoutMs, `${count} requests`),
    waitForClientAbort: (index, timeoutMs = 5_000) =>
      waitUntil(() => requests[index]?.clientAborted === true, timeoutMs, `client abort of request ${index}`),
    reset() {
      requests.length = 0;
      queue.length = 0;
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function headerBehavior(header: string | undefined): MockBehavior | undefined {
  if (!header) return undefined;
  try {
    return JSON.parse(header) as MockBehavior;
  } catch {
    return undefined;
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** Resolves when the client can take more, or has gone; leaves no listener behind either way. */
function drainOrClose(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
