import type { EventEmitter } from 'node:events';
import { Agent, type Dispatcher } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import { upstreamTimeoutError } from './upstream-timeout-error.js';
import type { CallTimeouts } from '../domain/timeouts.js';

export interface UpstreamClientOptions {
  connectTimeoutMs: number;
  connectionsPerOrigin: number;
}

export interface UpstreamCall {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Aborts the call: an AbortSignal, or an EventEmitter that emits 'abort' (undici takes both). */
  signal: AbortSignal | EventEmitter;
  /**
   * The call's first-byte and idle clocks, which undici keeps per request (a clock that does not run is
   * off). The total clock is the caller's to time: running out of it aborts through `signal`.
   */
  timeouts: CallTimeouts;
}

/** URLs whose origin and path `UpstreamClient` keeps; past this many it starts over. */
const maximumKnownUrls = 1_000;

/**
 * One pooled keep-alive HTTP client for all upstreams (undici keeps a pool per origin). Each call brings
 * its own clocks (they differ by target, by streaming and by the caller's ceilings), so the pool is shared.
 */
export class UpstreamClient {
  readonly #agent: Agent;
  readonly #targets = new Map<string, { origin: string; path: string }>();

  constructor(options: UpstreamClientOptions) {
    this.#agent = new Agent({
      connections: options.connectionsPerOrigin,
      connect: { timeout: options.connectTimeoutMs },
      keepAliveTimeout: 30_000,
    });
  }

  send(call: UpstreamCall): Promise<Dispatcher.ResponseData> {
    const { origin, path } = this.#originAndPath(call.url);
    // The agent's own `request`, which undici's top-level `request(url, …)` calls after parsing the URL anew
    // and spreading the options into a new object on every call.
    return this.#agent.request({
      origin,
      path,
      method: 'POST',
      headers: call.headers,
      body: call.body,
      signal: call.signal,
      // 0 turns undici's clock off.
      headersTimeout: call.timeouts.firstByteMs ?? 0,
      bodyTimeout: call.timeouts.idleMs ?? 0,
    });
  }

  /**
   * What undici's `request(url)` derives from a URL, kept per URL: a gateway calls the same few URLs again and
   * again (a provider's base URL and a route's path; the model resolved to a configured one). A URL with a
   * query string carries the caller's query, so it is parsed each time rather than kept.
   */
  #originAndPath(url: string): { origin: string; path: string } {
    const known = this.#targets.get(url);
    if (known !== undefined) return known;
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`Not an http(s) URL: ${parsed.protocol}`);
    const target = { origin: parsed.origin, path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname };
    if (url.includes('?')) return target;
    if (this.#targets.size >= maximumKnownUrls) this.#targets.clear();
    this.#targets.set(url, target);
    return target;
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/**
 * Maps a failed upstream call to a gateway error that names the provider but never its URL or key. A clock
 * that ran out is named with its setting (`timeouts` are the call's); a gateway error — the attempt's total
 * clock aborts the call with one — is already what it means.
 */
export function classifyUpstreamFailure(error: unknown, provider: string, phase: 'request' | 'stream', timeouts: CallTimeouts): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = (error as { code?: string } | null)?.code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' && timeouts.firstByteMs !== undefined) return upstreamTimeoutError(provider, 'firstByte', timeouts.firstByteMs, error);
  if (code === 'UND_ERR_BODY_TIMEOUT' && timeouts.idleMs !== undefined) return upstreamTimeoutError(provider, 'idle', timeouts.idleMs, error);
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
