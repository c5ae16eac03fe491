/**
 * The one table of gateway error codes. Every error Sluice produces itself has a stable `code`, an HTTP
 * status and a flag saying whether a client retry could help. Each dialect renders these into its own
 * envelope in one place (`dialects/<name>/error-body.ts`).
 */
export const errorCatalog = {
  invalid_json: { status: 400, retryable: false },
  invalid_request: { status: 400, retryable: false },
  /** The HTTP parser refused the request (bare CR, NUL or obs-fold in a header, two Content-Lengths, CL + TE). */
  invalid_http: { status: 400, retryable: false },
  /** A `Sluice-API-Version` pin this build does not serve (on Sluice's own endpoints). */
  unsupported_api_version: { status: 400, retryable: false },
  /** `POST /admin/reload`: the config file has an error, or changes a setting that needs a restart; the running config stays. */
  invalid_config: { status: 400, retryable: false },
  unsupported_translation: { status: 400, retryable: false },
  /** Every target of a model group was excluded by what the request needs (tools, images, max tokens…). */
  no_eligible_target: { status: 400, retryable: false },
  /** The caller's API shape is not among the model group's `clients:`. */
  client_not_allowed: { status: 400, retryable: false },
  missing_api_key: { status: 401, retryable: false },
  invalid_api_key: { status: 401, retryable: false },
  revoked_api_key: { status: 401, retryable: false },
  /** A dashboard session cookie that is unknown, expired or logged out. */
  invalid_session: { status: 401, retryable: false },
  model_not_allowed: { status: 403, retryable: false },
  permission_denied: { status: 403, retryable: false },
  /** `x-sluice-capture: true` from a key whose key, team and model group have no capture settings (issue 22 §2). */
  capture_not_allowed: { status: 403, retryable: false },
  /** A state-changing request authenticated by the dashboard's cookie without `x-sluice-csrf: 1`. */
  csrf_header_missing: { status: 403, retryable: false },
  model_not_found: { status: 404, retryable: false },
  route_not_found: { status: 404, retryable: false },
  /** `GET /analytics/requests/{id}` for an id no usage row has (never written, or pruned by retention). */
  request_not_found: { status: 404, retryable: false },
  /** `GET /admin/captures/{id}` for a request with no capture (not sampled, or deleted by retention or a purge). */
  capture_not_found: { status: 404, retryable: false },
  /** `GET /analytics/compare` naming a run with neither calls nor outcomes (a typo, or pruned by retention). */
  run_not_found: { status: 404, retryable: false },
  method_not_allowed: { status: 405, retryable: false },
  /** `POST /admin/reload` on a gateway started without a config source to re-read (embedded, not `sluice serve`). */
  reload_unavailable: { status: 409, retryable: false },
  /** The request line and headers did not arrive within the server's headers or request timeout. */
  request_timeout: { status: 408, retryable: true },
  payload_too_large: { status: 413, retryable: false },
  unsupported_media_type: { status: 415, retryable: false },
  headers_too_large: { status: 431, retryable: false },
  rate_limited: { status: 429, retryable: true },
  concurrency_limited: { status: 429, retryable: true },
  budget_exceeded: { status: 429, retryable: false },
  budget_unavailable: { status: 503, retryable: true },
  client_closed_request: { status: 499, retryable: false },
  internal_error: { status: 500, retryable: true },
  upstream_unreachable: { status: 502, retryable: true },
  upstream_stream_interrupted: { status: 502, retryable: true },
  upstream_invalid_response: { status: 502, retryable: true },
  provider_not_configured: { status: 503, retryable: false },
  /** A request that arrived on an open connection after SIGTERM: another instance (or this one restarted) can take it. */
  shutting_down: { status: 503, retryable: true },
  /** The database behind keys, users, teams and usage is unreachable: an admin change cannot be saved now. */
  store_unavailable: { status: 503, retryable: true },
  /** `GET /analytics/compare` while one compare is computed and as many as may wait already wait. */
  compare_busy: { status: 503, retryable: true },
  upstream_timeout: { status: 504, retryable: true },
  /** An error status the upstream itself answered with; the status is the upstream's. */
  upstream_error: { status: 502, retryable: false },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type GatewayErrorCode = keyof typeof errorCatalog;

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  /** The request field at fault, when there is one (`model`, `messages`, `max_tokens`…). */
  readonly param: string | undefined;
  /** Extra response headers, e.g. `retry-after` copied from an upstream 429. */
  readonly headers: Record<string, string>;
  /** What exactly refused the request, for the usage row (`rate_limited.key.requests_per_minute`). */
  readonly reason: string | undefined;

  constructor(
    code: GatewayErrorCode,
    message: string,
    options: { param?: string; status?: number; headers?: Record<string, string>; cause?: unknown; reason?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status ?? errorCatalog[code].status;
    this.retryable = code === 'upstream_error' ? isRetryableStatus(this.status) : errorCatalog[code].retryable;
    this.param = options.param;
    this.headers = options.headers ?? {};
    this.reason = options.reason;
  }
}

/** Statuses a client (or a later fallback stage) may retry: timeouts, conflicts, rate limits, server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
