import { GatewayError } from '../errors/gateway-error.js';

/** Response headers as undici or Node hand them over. */
export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * How an attempt failed before anything reached the caller:
 * - `status`: the upstream answered with an error status (or an in-band error event that carries one);
 * - `connection`: refused, reset, DNS, TLS: no answer at all;
 * - `timeout`: one of the call's clocks ran out (first byte, idle, total), or no first token by `timeToFirstTokenMs`;
 * - `interrupted`: the stream was cut, or sent an error without a status, before its first content.
 */
export type AttemptFailure =
  | { kind: 'status'; status: number; headers?: ResponseHeaders | undefined }
  | { kind: 'connection' }
  | { kind: 'timeout' }
  | { kind: 'interrupted' };

export interface AttemptClassification {
  /** Try the same target again (after `retryAfterMs`, or a backoff), while its attempts last. */
  retrySameTarget: boolean;
  /** Move on to the next candidate (at once, or once retries of this one are used up). */
  failOver: boolean;
  /**
   * What the target's cooldown learns: a counted `failure`; `retry-after`, cool until the upstream said to
   * come back; `bad-credential`, the gateway's provider key was refused. Undefined: the request was at fault.
   */
  coolDown: 'failure' | 'retry-after' | 'bad-credential' | undefined;
  /** What the upstream asked for (`retry-after-ms`, `retry-after` in seconds or as a date), whether honoured or not. */
  retryAfterMs: number | undefined;
}

export interface ClassifyOptions {
  /** A `retry-after` longer than this is not waited for: the call fails over at once. */
  maxRetryAfterMs: number;
  /** Retry a timeout on the same target (the group's `retry.timeouts`); otherwise it fails over at once. */
  retryTimeouts?: boolean;
  /**
   * Whose key the attempt used: the gateway's own provider key (a 401/403 means that key is bad, and the
   * target is broken for everyone) or the caller's own in pass-through mode (the caller's problem).
   */
  credential: 'gateway' | 'caller';
  now?: () => number;
}

/** Statuses where another try (here or on another target) can help: timeouts, conflicts, limits, overload. */
const retryableStatuses = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

/**
 * Decides what a failed attempt means for the attempt loop. Connection errors, cut streams and
 * 408, 409, 429, 5xx and 529 retry the same target — honouring `retry-after` when it is at most
 * `maxRetryAfterMs`, failing over at once when it is longer — then fail over. A timeout fails over at once
 * unless `retryTimeouts`: a target that was too slow is likely too slow again, and waiting twice for a slow
 * answer is what made callers wait a minute for a 504. 400, 404, 413, 422 and every
 * other 4xx are the request's fault: no retry, no fallback, no cooldown. 401/403 are too, unless the
 * gateway's own provider key was used: then that target is cooled down and the call fails over.
 */
export function classifyAttemptFailure(failure: AttemptFailure, options: ClassifyOptions): AttemptClassification {
  if (failure.kind === 'timeout') return options.retryTimeouts ? retriedFailure : failedOver;
  if (failure.kind !== 'status') return retriedFailure;
  const { status } = failure;
  if (status === 401 || status === 403) {
    if (options.credential === 'gateway') return { retrySameTarget: false, failOver: true, coolDown: 'bad-credential', retryAfterMs: undefined };
    return final;
  }
  if (!retryableStatuses.has(status) && !(status >= 500 && status !== 501 && status !== 505)) return final;
  const retryAfterMs = failure.headers ? retryAfterOf(failure.headers, options.now ?? Date.now) : undefined;
  if (retryAfterMs !== undefined && retryAfterMs > options.maxRetryAfterMs) {
    return { retrySameTarget: false, failOver: true, coolDown: 'retry-after', retryAfterMs };
  }
  return { retrySameTarget: true, failOver: true, coolDown: retryAfterMs !== undefined && retryAfterMs > 0 ? 'retry-after' : 'failure', retryAfterMs };
}

const final: AttemptClassification = Object.freeze({ retrySameTarget: false, failOver: false, coolDown: undefined, retryAfterMs: undefined });
const retriedFailure: AttemptClassification = Object.freeze({ retrySameTarget: true, failOver: true, coolDown: 'failure', retryAfterMs: undefined });
const failedOver: AttemptClassification = Object.freeze({ retrySameTarget: false, failOver: true, coolDown: 'failure', retryAfterMs: undefined });

/**
 * `retry-after-ms` (OpenAI's, milliseconds) first, then `retry-after` as seconds or as an HTTP date.
 * Unreadable values count as absent; a date in the past as 0.
 */
export function retryAfterOf(headers: ResponseHeaders, now: () => number = Date.now): number | undefined {
  const milliseconds = Number.parseFloat(headerOf(headers, 'retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return Math.ceil(milliseconds);
  const value = headerOf(headers, 'retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now());
}

function headerOf(headers: ResponseHeaders, name: string): string | undefined {
  const value = Object.hasOwn(headers, name) ? headers[name] : undefined;
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The failure kind of an error thrown by the upstream call, as `classifyUpstreamFailure` and undici name
 * them: timeouts, cut streams, everything else a connection failure.
 */
export function attemptFailureOf(error: unknown): AttemptFailure {
  if (error instanceof GatewayError) {
    if (error.code === 'upstream_timeout') return { kind: 'timeout' };
    if (error.code === 'upstream_stream_interrupted') return { kind: 'interrupted' };
    if (error.code === 'upstream_error') return { kind: 'status', status: error.status, headers: error.headers };
    return { kind: 'connection' };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return { kind: 'timeout' };
  }
  return { kind: 'connection' };
}
