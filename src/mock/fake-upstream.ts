import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerRequest } from './answer-request.js';
import type { MockBehavior } from './mock-behavior.js';
import type { MockScript } from './mock-script.js';
import { readRecordedRequest, type RecordedRequest } from './recorded-request.js';
import { routeRequest } from './route-request.js';
import { sendJson } from './send-json.js';

export type { MockBehavior } from './mock-behavior.js';
export { parseMockScript, type MockScript } from './mock-script.js';
export type { MockUsage } from './mock-answer.js';
export type { RecordedRequest } from './recorded-request.js';

export interface FakeUpstream {
  /** e.g. `http://127.0.0.1:41234`, no trailing slash. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** FIFO; each behavior applies to exactly one next generation request (see `startFakeUpstream`). */
  enqueue(behavior: MockBehavior): void;
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves when `requests[index].clientAborted` becomes true. */
  waitForClientAbort(index: number, timeoutMs?: number): Promise<void>;
  /** Clears recorded requests and queued behaviors. */
  reset(): void;
  /** Closes the server and every open socket, hung ones included. */
  close(): Promise<void>;
}

export interface FakeUpstreamOptions {
  port?: number;
  host?: string;
  defaultBehavior?: MockBehavior;
  /** A scripted agent model (`parseMockScript`): conversations it recognises get its turns, not an echo. */
  script?: MockScript;
  /**
   * Keep only this many of the newest requests (default: all). Long-running uses (the benchmark, `sluice
   * mock-upstream`) can bound memory with it; indexes into `requests` then shift as old ones go.
   */
  maxRecordedRequests?: number;
}

/**
 * A local stand-in for Anthropic, OpenAI, Gemini (native and OpenAI-compatible) and the OpenAI Responses
 * API, speaking their real wire formats (JSON and SSE) and recording what it received. Tests, the
 * benchmark, `sluice mock-upstream` and the built-in `mock` provider all use it.
 *
 * Each generation request that passes the key check picks one behavior, first match wins: the next
 * enqueued one, the `x-mock-behavior` header (JSON), a `[[mock {...}]]` directive in the last user
 * message, the `script`'s turn for the conversation, `defaultBehavior`, else a normal answer. Model lists and token counts take none.
 */
export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const queue: MockBehavior[] = [];
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };

  const waitUntil = (predicate: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (predicate()) return resolve();
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`fake upstream: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      listeners.add(check);
    });

  const record = (recorded: RecordedRequest) => {
    requests.push(recorded);
    const excess = requests.length - (options.maxRecordedRequests ?? Infinity);
    if (excess > 0) requests.splice(0, excess);
    notify();
  };

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const exchange: { recorded?: RecordedRequest; closedEarly: boolean; droppedByServer: boolean } = { closedEarly: false, droppedByServer: false };
    // Listening from the start catches a client that leaves while its body is still arriving.
    response.on('close', () => {
      if (response.writableFinished || exchange.droppedByServer) return;
      exchange.closedEarly = true;
      if (exchange.recorded) {
        exchange.recorded.clientAborted = true;
        notify();
      }
    });
    const recorded = await readRecordedRequest(request);
    recorded.clientAborted = exchange.closedEarly;
    exchange.recorded = recorded;
    record(recorded);

    const route = routeRequest(recorded.method, recorded.path);
    if (!route) {
      sendJson(response, 404, { error: { message: `Unknown request URL: ${recorded.method} ${recorded.path}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
      return;
    }
    await answerRequest(recorded, response, route, {
      takeQueuedBehavior: () => queue.shift(),
      defaultBehavior: options.defaultBehavior,
      script: options.script,
      onDrop: () => {
        exchange.droppedByServer = true;
      },
    });
  }

  // Keep-alive as real providers do, so clients reuse connections and the benchmark measures that case.
  const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
    serve(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });

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
      waitUntil(() => requests[index]?.clientAborted === true, timeoutMs, `the client to abort request ${index}`),
    reset() {
      requests.length = 0;
      queue.length = 0;
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        // Hung and idle keep-alive connections would otherwise hold close() open forever.
        server.closeAllConnections();
      });
    },
  };
}
