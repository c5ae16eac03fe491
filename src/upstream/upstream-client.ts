import type { EventEmitter } from 'node:events';
import { Agent, request, type Dispatcher } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';

export interface UpstreamClientOptions {
  timeoutMs: number;
  connectTimeoutMs: number;
  connectionsPerOrigin: number;
}

export interface UpstreamCall {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Aborts the call: an AbortSignal, or an EventEmitter that emits 'abort' (undici takes both). */
  signal: AbortSignal | EventEmitter;
}

/**
 * One pooled keep-alive HTTP client for all upstreams (undici keeps a pool per origin). `timeoutMs` bounds
 * the wait for response headers and every silence inside a streamed body.
 */
export class UpstreamClient {
  readonly #agent: Agent;
  readonly #timeoutMs: number;

  constructor(options: UpstreamClientOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#agent = new Agent({
      connections: options.connectionsPerOrigin,
      connect: { timeout: options.connectTimeoutMs },
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  send(call: UpstreamCall): Promise<Dispatcher.ResponseData> {
    return request(call.url, {
      dispatcher: this.#agent,
      method: 'POST',
      headers: call.headers,
      body: call.body,
      signal: call.signal,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/** Maps a failed upstream call to a gateway error that names the provider but never its URL or key. */
export function classifyUpstreamFailure(error: unknown, provider: string, phase: 'request' | 'stream'): GatewayError {
  const code = (error as { code?: string } | null)?.code ?? '';
  if (timeoutCodes.has(code)) {
    return new GatewayError('upstream_timeout', `The upstream provider '${provider}' did not answer in time.`, { cause: error });
  }
  if (phase === 'stream') {
    return new GatewayError(
      'upstream_stream_interrupted',
      `The upstream provider '${provider}' closed the stream before it finished.`,
      { cause: error },
    );
  }
  return new GatewayError('upstream_unreachable', `The upstream provider '${provider}' could not be reached or closed the connection.`, {
    cause: error,
  });
}
